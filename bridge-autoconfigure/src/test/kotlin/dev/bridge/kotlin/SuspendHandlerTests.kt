package dev.bridge.kotlin

import java.time.Duration

import dev.bridge.Blocking
import dev.bridge.BlockingBridge
import io.micrometer.core.instrument.MeterRegistry
import org.assertj.core.api.Assertions.assertThat
import org.awaitility.Awaitility
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.boot.SpringBootConfiguration
import org.springframework.boot.autoconfigure.EnableAutoConfiguration
import org.springframework.boot.test.context.SpringBootTest
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment
import org.springframework.boot.test.web.server.LocalServerPort
import org.springframework.context.annotation.Bean
import org.springframework.test.web.reactive.server.WebTestClient
import org.springframework.test.web.reactive.server.expectBody
import org.springframework.web.bind.annotation.GetMapping
import org.springframework.web.bind.annotation.PathVariable
import org.springframework.web.bind.annotation.RestController

/**
 * A `suspend` WebFlux handler, over a real Netty port, that calls a `@Blocking suspend fun`:
 * the body runs on the pool, off the event loop that runs the handler, and the handler
 * resumes with its result.
 */
@SpringBootTest(
	classes = [SuspendHandlerTests.App::class],
	webEnvironment = WebEnvironment.RANDOM_PORT,
	properties = ["bridge.eventloop.watchdog.enabled=false", "management.metrics.use-global-registry=false",
		"server.address=127.0.0.1",
		// open routes also where the build's 'apps' execution puts Spring Security on the class path
		"spring.autoconfigure.exclude=" +
			"org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration," +
			"org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration," +
			"org.springframework.boot.security.autoconfigure.actuate.web.reactive.ReactiveManagementWebSecurityAutoConfiguration"],
)
class SuspendHandlerTests {

	@LocalServerPort
	private var port = 0

	@Autowired
	private lateinit var meters: MeterRegistry

	private fun client() = WebTestClient.bindToServer()
		.baseUrl("http://127.0.0.1:$port")
		.responseTimeout(Duration.ofSeconds(15))
		.build()

	@Test
	fun suspendHandlerGets200WithTheBodyComputedOnThePool() {
		client().get().uri("/kt/reports/42").exchange()
			.expectStatus().isOk
			.expectBody<String>()
			.value { body ->
				val (handler, service) = body!!.split(" | ")
				assertThat(handler).startsWith("handler on ").doesNotContain("bridge-")
				assertThat(service).startsWith("42 on bridge-default-")
			}
		Awaitility.await().atMost(Duration.ofSeconds(10)).until({
			meters.find(BlockingBridge.OBSERVATION_NAME).tags("pool", "default", "method", "ReportService.load").timer()
		}, { timer -> timer != null && timer.count() == 1L })
	}

	@Test
	fun exceptionOfTheBodyReachesTheHandler() {
		client().get().uri("/kt/missing").exchange()
			.expectStatus().isOk
			.expectBody<String>().isEqualTo("caught: no such report")
	}

	open class ReportService {

		@Blocking
		open suspend fun load(id: String): String = "$id on ${Thread.currentThread().name}"

		@Blocking
		open suspend fun missing(): String = throw NoSuchElementException("no such report")

	}

	@RestController
	open class ReportController(private val service: ReportService) {

		@GetMapping("/kt/reports/{id}")
		open suspend fun report(@PathVariable id: String): String {
			val handler = "handler on ${Thread.currentThread().name}"
			return "$handler | ${service.load(id)}"
		}

		@GetMapping("/kt/missing")
		open suspend fun missing(): String =
			try {
				service.missing()
			}
			catch (ex: NoSuchElementException) {
				"caught: ${ex.message}"
			}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	open class App {

		@Bean
		open fun reportService() = ReportService()

		@Bean
		open fun reportController(service: ReportService) = ReportController(service)

	}

}
