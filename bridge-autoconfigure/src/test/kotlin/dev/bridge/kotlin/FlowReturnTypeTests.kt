package dev.bridge.kotlin

import java.util.concurrent.atomic.AtomicInteger

import dev.bridge.Blocking
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatExceptionOfType
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.boot.SpringBootConfiguration
import org.springframework.boot.autoconfigure.EnableAutoConfiguration
import org.springframework.boot.test.context.SpringBootTest
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment
import org.springframework.context.annotation.Bean

/**
 * A `@Blocking` function returning a Kotlin `Flow` runs on the pool when the flow is
 * collected, not when it is called; its values arrive in order and its errors reach the
 * collector.
 */
@SpringBootTest(
	classes = [FlowReturnTypeTests.App::class],
	webEnvironment = WebEnvironment.NONE,
	properties = ["bridge.eventloop.watchdog.enabled=false", "management.metrics.use-global-registry=false"],
)
class FlowReturnTypeTests {

	@Autowired
	private lateinit var lines: Lines

	@Test
	fun flowFunctionRunsOnThePoolWhenCollected() {
		val before = CALLS.get()
		val flow = lines.read(3)
		assertThat(CALLS.get()).isEqualTo(before)
		val values = runBlocking { flow.toList() }
		assertThat(CALLS.get()).isEqualTo(before + 1)
		assertThat(values).hasSize(4)
		assertThat(values[0]).startsWith("called on bridge-default-")
		assertThat(values.drop(1).map { it.substringBefore(" on ") }).containsExactly("1", "2", "3")
		assertThat(values.drop(1)).allSatisfy { assertThat(it.substringAfter(" on ")).startsWith("bridge-default-") }
	}

	@Test
	fun errorThrownByTheFunctionReachesTheCollector() {
		assertThatExceptionOfType(IllegalStateException::class.java)
			.isThrownBy { runBlocking { lines.failing().toList() } }
			.withMessage("cannot open")
	}

	@Test
	fun errorThrownWhileEmittingReachesTheCollectorAfterTheValuesBeforeIt() {
		val seen = mutableListOf<String>()
		var error: Throwable? = null
		runBlocking {
			lines.brokenAfterOne().catch { error = it }.collect { seen.add(it) }
		}
		assertThat(seen).containsExactly("first")
		assertThat(error).isInstanceOf(IllegalStateException::class.java).hasMessage("broken")
	}

	companion object {

		val CALLS = AtomicInteger()

	}

	open class Lines {

		@Blocking
		open fun read(count: Int): Flow<String> {
			CALLS.incrementAndGet()
			val called = Thread.currentThread().name
			return flow {
				emit("called on $called")
				for (i in 1..count) {
					emit("$i on ${Thread.currentThread().name}")
				}
			}
		}

		@Blocking
		open fun failing(): Flow<String> = throw IllegalStateException("cannot open")

		@Blocking
		open fun brokenAfterOne(): Flow<String> = flow {
			emit("first")
			throw IllegalStateException("broken")
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	open class App {

		@Bean
		open fun lines() = Lines()

	}

}
