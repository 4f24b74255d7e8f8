package dev.bridge.test.slice;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.bridge.GuardMode;
import dev.bridge.aspect.EventLoopGuard;
import dev.bridge.test.NoEventLoopBlocking;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bridge's auto-configuration is part of the {@code @WebFluxTest} slice.
 */
@WebFluxTest(SliceApp.ReportController.class)
@Import(SliceApp.Legacy.class)
@NoEventLoopBlocking
class WebFluxSliceTests {

	@Autowired
	private WebTestClient client;

	@Test
	void blockingHandlerRunsOnTheBridgePool() {
		this.client.get()
			.uri("/report")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((thread) -> assertThat(thread).startsWith("bridge-default-"));
	}

	@Test
	void guardFailsABlockingCallOnALoop(@Autowired EventLoopGuard guard) {
		assertThat(guard.getMode()).isEqualTo(GuardMode.FAIL);
		this.client.get()
			.uri("/guarded")
			.exchange()
			.expectStatus()
			.is5xxServerError()
			.expectBody(String.class)
			.value((body) -> assertThat(body).contains("Blocking call on an event loop").contains("Legacy.load"));
	}

}
