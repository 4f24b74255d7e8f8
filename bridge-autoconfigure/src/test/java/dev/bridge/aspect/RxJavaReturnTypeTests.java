package dev.bridge.aspect;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.annotation.Bean;

import dev.bridge.Blocking;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code @Blocking} methods returning RxJava 3 {@code Single} and {@code Flowable} run on the
 * pool when subscribed, the caller gets an RxJava type back, and the body's errors reach the
 * subscriber unchanged.
 */
@SpringBootTest(classes = RxJavaReturnTypeTests.App.class, webEnvironment = WebEnvironment.NONE,
		properties = { "bridge.eventloop.watchdog.enabled=false", "management.metrics.use-global-registry=false" })
class RxJavaReturnTypeTests {

	@Autowired
	private RxService service;

	@Test
	void singleMethodRunsOnThePoolWhenSubscribedAndStaysASingle() {
		int before = RxService.calls.get();
		Single<String> single = this.service.where();
		assertThat(single).isInstanceOf(Single.class);
		assertThat(RxService.calls).hasValue(before);
		single.test().awaitDone(10, TimeUnit.SECONDS).assertComplete().assertValue((thread) -> thread.startsWith("bridge-default-"));
		assertThat(RxService.calls).hasValue(before + 1);
	}

	@Test
	void flowableMethodRunsOnThePoolAndKeepsItsOrder() {
		Flowable<String> flowable = this.service.numbers();
		assertThat(flowable).isInstanceOf(Flowable.class);
		var values = flowable.toList().blockingGet();
		assertThat(values).hasSize(4);
		assertThat(values.get(0)).startsWith("bridge-default-");
		assertThat(values.subList(1, 4)).containsExactly("1", "2", "3");
	}

	@Test
	void singleMethodErrorReachesTheSubscriberUnchanged() {
		this.service.failingSingle().test().awaitDone(10, TimeUnit.SECONDS).assertError((ex) -> ex == RxService.FAILURE);
	}

	@Test
	void flowableMethodErrorReachesTheSubscriberUnchanged() {
		this.service.failingFlowable().test().awaitDone(10, TimeUnit.SECONDS).assertError((ex) -> ex == RxService.FAILURE);
	}

	static class RxService {

		static final IllegalStateException FAILURE = new IllegalStateException("boom");

		static final AtomicInteger calls = new AtomicInteger();

		@Blocking
		public Single<String> where() {
			calls.incrementAndGet();
			return Single.just(Thread.currentThread().getName());
		}

		@Blocking
		public Flowable<String> numbers() {
			return Flowable.just(Thread.currentThread().getName(), "1", "2", "3");
		}

		@Blocking
		public Single<String> failingSingle() {
			throw FAILURE;
		}

		@Blocking
		public Flowable<String> failingFlowable() {
			throw FAILURE;
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

		@Bean
		RxService rxService() {
			return new RxService();
		}

	}

}
