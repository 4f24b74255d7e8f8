package dev.bridge.aspect;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.bridge.Blocking;
import dev.bridge.autoconfigure.BridgeAspectAutoConfiguration;
import dev.bridge.autoconfigure.BridgeAutoConfiguration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code @Blocking} covers is what is validated: interface methods carry it to their
 * implementations; a type-level annotation covers public methods declared in the annotated
 * class and its subclasses, not those inherited from unannotated superclasses, nor
 * {@code toString}/{@code equals}/{@code hashCode}.
 */
class BlockingAnnotationRuleTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, BridgeAutoConfiguration.class,
				BridgeAspectAutoConfiguration.class))
		.withPropertyValues("bridge.guard.mode=fail", "bridge.eventloop.watchdog.enabled=false");

	@Test
	void annotationOnAnInterfaceMethodMovesTheImplementation() {
		this.runner.withBean(Repository.class, JdbcRepository::new).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(Repository.class).find().block()).startsWith("bridge-default-");
		});
	}

	@Test
	void typeLevelAnnotationCoversItsOwnAndSubclassMethodsOnly() {
		this.runner.withBean(AnnotatedService.class).run((context) -> {
			assertThat(context).hasNotFailed();
			AnnotatedService service = context.getBean(AnnotatedService.class);
			assertThat(service.own().block()).startsWith("bridge-default-");
			assertThat(service.inherited().block()).isEqualTo(Thread.currentThread().getName());
			assertThat(service.finalInherited()).isEqualTo("framework");
		});
	}

	@Test
	void typeLevelAnnotationLeavesObjectMethodsAlone() {
		this.runner.withBean(AnnotatedService.class).run((context) -> {
			AnnotatedService service = context.getBean(AnnotatedService.class);
			String onLoop = Mono.fromCallable(service::toString).subscribeOn(Schedulers.parallel()).block();
			assertThat(onLoop).isEqualTo("AnnotatedService");
			assertThat(context.getBean(EventLoopGuard.class).hits()).isEmpty();
		});
	}

	interface Repository {

		@Blocking
		Mono<String> find();

	}

	static class JdbcRepository implements Repository {

		@Override
		public Mono<String> find() {
			return Mono.just(Thread.currentThread().getName());
		}

	}

	/**
	 * A framework base class the user does not own (compare JdbcDaoSupport).
	 */
	static class FrameworkSupport {

		public Mono<String> inherited() {
			return Mono.just(Thread.currentThread().getName());
		}

		public final String finalInherited() {
			return "framework";
		}

	}

	@Blocking
	static class AnnotatedService extends FrameworkSupport {

		public Mono<String> own() {
			return Mono.just(Thread.currentThread().getName());
		}

		@Override
		public String toString() {
			return "AnnotatedService";
		}

	}

}
