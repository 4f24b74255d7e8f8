package dev.bridge.kotlin

import java.time.Duration
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

import dev.bridge.Blocking
import dev.bridge.BlockingBridge
import io.micrometer.context.ContextRegistry
import io.micrometer.core.instrument.MeterRegistry
import kotlinx.coroutines.CopyableThrowable
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.reactor.asCoroutineContext
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatExceptionOfType
import org.awaitility.Awaitility
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.slf4j.MDC
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.boot.SpringBootConfiguration
import org.springframework.boot.autoconfigure.EnableAutoConfiguration
import org.springframework.boot.test.context.SpringBootTest
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment
import org.springframework.context.annotation.Bean
import reactor.util.context.Context

/**
 * A `@Blocking suspend fun` on a Spring bean runs its body on the pool, and the calling
 * coroutine resumes with its result or its exception; cancelling the coroutine cancels the
 * task, queued or running; the call is a `bridge.blocking` observation and sees the caller's
 * MDC and Reactor context.
 */
@SpringBootTest(
	classes = [SuspendFunctionTests.App::class],
	webEnvironment = WebEnvironment.NONE,
	properties = ["bridge.pools.one.max-threads=1", "bridge.pools.one.queue-capacity=10",
		"bridge.eventloop.watchdog.enabled=false", "management.metrics.use-global-registry=false"],
)
class SuspendFunctionTests {

	@Autowired
	private lateinit var reports: Reports

	@Autowired
	private lateinit var bridge: BlockingBridge

	@Autowired
	private lateinit var meters: MeterRegistry

	@AfterEach
	fun release() {
		// A body of this test still on pool "one" would count down the next test's latches.
		Gate.release.countDown()
		val pool = bridge.pool("one")
		Awaitility.await().atMost(Duration.ofSeconds(30)).until { pool.active() == 0 && pool.queued() == 0 }
		Gate.reset()
		MDC.clear()
	}

	@Test
	fun suspendFunctionBodyRunsOnThePoolAndTheCallerResumesWithItsResult() {
		val caller = Thread.currentThread().name
		val result = runBlocking { reports.where("42") }
		assertThat(result).startsWith("42 on bridge-default-")
		assertThat(Thread.currentThread().name).isEqualTo(caller)
	}

	@Test
	fun suspendFunctionCalledFromACoroutineOnAnotherDispatcherRunsOnThePool() {
		val result = runBlocking(Dispatchers.Default) { reports.where("7") }
		assertThat(result).startsWith("7 on bridge-default-")
	}

	@Test
	fun exceptionOfTheBodyReachesTheCallerUnchanged() {
		assertThatExceptionOfType(ReportFailure::class.java)
			.isThrownBy { runBlocking { reports.failing() } }
			.isSameAs(Reports.FAILURE)
	}

	@Test
	fun cancellingTheCoroutineInterruptsTheRunningBodyAndCountsTheTaskCancelled() {
		val pool = bridge.pool("one")
		val cancelledBefore = pool.cancelledCount()
		runBlocking {
			val job = launch(Dispatchers.Default) { reports.hold() }
			assertThat(Gate.started.await(10, TimeUnit.SECONDS)).isTrue()
			job.cancelAndJoin()
		}
		assertThat(Gate.interrupted.await(10, TimeUnit.SECONDS)).isTrue()
		Awaitility.await().atMost(Duration.ofSeconds(10)).until { pool.cancelledCount() > cancelledBefore }
	}

	@Test
	fun timeoutOfTheCoroutineRemovesTheQueuedTaskBeforeItRuns() {
		val pool = bridge.pool("one")
		runBlocking {
			val holder = launch(Dispatchers.Default) { reports.hold() }
			assertThat(Gate.started.await(10, TimeUnit.SECONDS)).isTrue()
			val cancelledBefore = pool.cancelledCount()
			assertThatExceptionOfType(TimeoutCancellationException::class.java).isThrownBy {
				runBlocking {
					withTimeout(300) { reports.count() }
				}
			}
			Awaitility.await().atMost(Duration.ofSeconds(10))
				.until { pool.queued() == 0 && pool.cancelledCount() > cancelledBefore }
			Gate.release.countDown()
			holder.join()
		}
		assertThat(Gate.counted).hasValue(0)
	}

	@Test
	fun callIsABridgeBlockingObservationTaggedWithPoolAndMethod() {
		runBlocking { reports.observed() }
		val timer = meters.get(BlockingBridge.OBSERVATION_NAME)
			.tags("pool", "default", "method", "Reports.observed")
			.timer()
		assertThat(timer.count()).isEqualTo(1)
	}

	@Test
	fun callersMdcIsVisibleInTheBody() {
		MDC.put("user", "alice")
		val seen = runBlocking { reports.mdc() }
		assertThat(seen).isEqualTo("alice on bridge-default-")
	}

	@Test
	fun reactorContextOfTheCoroutineIsVisibleInTheBody() {
		val seen = runBlocking {
			withContext(Context.of(TENANT_KEY, "acme").asCoroutineContext()) { reports.tenant() }
		}
		assertThat(seen).isEqualTo("acme")
		assertThat(runBlocking { reports.tenant() }).isEqualTo("null")
	}

	companion object {

		private val TENANT = ThreadLocal<String>()

		private const val TENANT_KEY = "test.kotlin.tenant"

		@JvmStatic
		@BeforeAll
		fun registerTenantAccessor() {
			ContextRegistry.getInstance().registerThreadLocalAccessor(TENANT_KEY, TENANT::get, TENANT::set, TENANT::remove)
		}

		@JvmStatic
		@AfterAll
		fun removeTenantAccessor() {
			ContextRegistry.getInstance().removeThreadLocalAccessor(TENANT_KEY)
		}

	}

	/**
	 * Not copyable: with assertions on (as in tests), kotlinx.coroutines' stack-trace recovery
	 * would otherwise hand the caller a copy whose cause is the body's instance, whoever threw it.
	 */
	@OptIn(ExperimentalCoroutinesApi::class)
	class ReportFailure(message: String) : RuntimeException(message), CopyableThrowable<ReportFailure> {

		override fun createCopy(): ReportFailure? = null

	}

	/** The state the bodies share with the tests (outside the bean: its proxy has none). */
	object Gate {

		@Volatile
		var started = CountDownLatch(1)

		@Volatile
		var release = CountDownLatch(1)

		@Volatile
		var interrupted = CountDownLatch(1)

		val counted = AtomicInteger()

		fun reset() {
			release.countDown()
			started = CountDownLatch(1)
			release = CountDownLatch(1)
			interrupted = CountDownLatch(1)
			counted.set(0)
		}

	}

	open class Reports {

		@Blocking
		open suspend fun where(id: String): String = "$id on ${Thread.currentThread().name}"

		@Blocking
		open suspend fun failing(): String = throw FAILURE

		@Blocking(pool = "one")
		open suspend fun hold(): String {
			Gate.started.countDown()
			try {
				Gate.release.await(30, TimeUnit.SECONDS)
			}
			catch (ex: InterruptedException) {
				Gate.interrupted.countDown()
			}
			return Thread.currentThread().name
		}

		@Blocking(pool = "one")
		open suspend fun count(): Int = Gate.counted.incrementAndGet()

		@Blocking
		open suspend fun observed(): String = "observed"

		@Blocking
		open suspend fun mdc(): String = "${MDC.get("user")} on ${Thread.currentThread().name.substringBeforeLast('-')}-"

		@Blocking
		open suspend fun tenant(): String = "${TENANT.get()}"

		companion object {

			val FAILURE = ReportFailure("boom")

		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	open class App {

		@Bean
		open fun reports() = Reports()

	}

}
