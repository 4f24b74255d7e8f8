package dev.bridge.apps;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.concurrent.ConcurrentMapCache;
import org.springframework.cache.support.SimpleCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.resilience.annotation.EnableResilientMethods;
import org.springframework.resilience.annotation.Retryable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.bridge.Blocking;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Bridge's advice wraps every other advice of a bean, so a {@code @Transactional},
 * {@code @Cacheable} or {@code @Retryable} {@code @Blocking} method has its transaction,
 * cache lookup and retries on the pool thread, inside the offloaded call, whatever order
 * that advice declares. H2 and {@code JdbcTemplate}.
 */
class AdvisorOrderTests {

	/**
	 * Transaction advice at its default order.
	 */
	@Nested
	@SpringBootTest(classes = DefaultOrderApp.class, properties = { "bridge.eventloop.watchdog.enabled=false",
			"spring.sql.init.schema-locations=classpath:dev/bridge/apps/accounts.sql" })
	class DefaultOrder extends Scenarios {

	}

	/**
	 * Transaction advice asking to be the outermost: Bridge's still goes around it.
	 */
	@Nested
	@SpringBootTest(classes = HighestPrecedenceApp.class, properties = { "bridge.eventloop.watchdog.enabled=false",
			"spring.sql.init.schema-locations=classpath:dev/bridge/apps/accounts.sql" })
	class TransactionsFirst extends Scenarios {

	}

	abstract static class Scenarios {

		@Autowired
		private Accounts accounts;

		@Autowired
		private Records records;

		@Autowired
		private RecordingCache cache;

		@Autowired
		private JdbcTemplate jdbc;

		@AfterEach
		void clear() {
			this.jdbc.update("delete from account");
			this.records.seen.clear();
		}

		@Test
		void transactionIsActiveOnThePoolThreadAndASuccessCommits() {
			String where = this.accounts.open("alice", false).block(Duration.ofSeconds(10));
			assertThat(where).startsWith("tx=true@bridge-default-");
			assertThat(count("alice")).isOne();
		}

		@Test
		void aFailureRollsBackTheWorkDoneOnThePoolThread() {
			assertThatIllegalStateException().isThrownBy(() -> this.accounts.open("bob", true).block(Duration.ofSeconds(10)))
				.withMessage("refused bob");
			assertThat(this.records.seen).singleElement().asString().startsWith("tx=true@bridge-default-");
			assertThat(count("bob")).isZero();
		}

		@Test
		void futureMethodRunsItsTransactionOnThePoolThread() throws Exception {
			CompletableFuture<String> future = this.accounts.openLater("carol");
			assertThat(future.get(10, TimeUnit.SECONDS)).startsWith("tx=true@bridge-default-");
			assertThat(count("carol")).isOne();
		}

		@Test
		void cacheIsReadAndWrittenOnThePoolThread() {
			RecordingCache cache = this.cache;
			cache.threads.clear();
			String first = this.accounts.cachedBalance("dave").block(Duration.ofSeconds(10));
			String second = this.accounts.cachedBalance("dave").block(Duration.ofSeconds(10));
			assertThat(second).isEqualTo(first);
			assertThat(this.records.balanceCalls.get()).isOne();
			assertThat(cache.threads).isNotEmpty().allSatisfy((thread) -> assertThat(thread).startsWith("bridge-default-"));
		}

		@Test
		void retriesRunInsideTheOffloadedCall() {
			this.records.attempts.clear();
			this.records.invocations.set(0);
			assertThat(this.accounts.flaky().block(Duration.ofSeconds(10))).isEqualTo("ok");
			assertThat(this.records.invocations).hasValue(1);
			assertThat(this.records.attempts).hasSize(3)
				.allSatisfy((thread) -> assertThat(thread).startsWith("bridge-default-"));
		}

		private int count(String name) {
			return this.jdbc.queryForObject("select count(*) from account where name = ?", Integer.class, name);
		}

	}

	/**
	 * What the bodies saw (kept outside the proxied bean, whose fields a proxy does not have).
	 */
	static class Records {

		final List<String> seen = new CopyOnWriteArrayList<>();

		final List<String> attempts = new CopyOnWriteArrayList<>();

		final AtomicInteger balanceCalls = new AtomicInteger();

		final AtomicInteger invocations = new AtomicInteger();

	}

	@Service
	static class Accounts {

		private final JdbcTemplate jdbc;

		private final Records records;

		Accounts(JdbcTemplate jdbc, Records records) {
			this.jdbc = jdbc;
			this.records = records;
		}

		@Blocking
		@Transactional
		public Mono<String> open(String name, boolean fail) {
			this.jdbc.update("insert into account(name) values (?)", name);
			String where = where();
			this.records.seen.add(where);
			if (fail) {
				throw new IllegalStateException("refused " + name);
			}
			return Mono.just(where);
		}

		@Blocking
		@Transactional
		public CompletableFuture<String> openLater(String name) {
			this.jdbc.update("insert into account(name) values (?)", name);
			return CompletableFuture.completedFuture(where());
		}

		@Blocking
		@Cacheable("balances")
		public Mono<String> cachedBalance(String name) {
			return Mono.just(name + "=" + this.records.balanceCalls.incrementAndGet()).cache();
		}

		/**
		 * The body runs once and returns a Mono that fails twice; the retry advice
		 * resubscribes it inside the offloaded call. Were the retry advice outside Bridge's,
		 * each retry would resubscribe the offloaded call and run the body again.
		 */
		@Blocking
		@Retryable(maxRetries = 2, delay = 0)
		public Mono<String> flaky() {
			this.records.invocations.incrementAndGet();
			return Mono.fromCallable(() -> {
				this.records.attempts.add(Thread.currentThread().getName());
				if (this.records.attempts.size() < 3) {
					throw new IllegalStateException("attempt " + this.records.attempts.size());
				}
				return "ok";
			});
		}

		private static String where() {
			return "tx=" + TransactionSynchronizationManager.isActualTransactionActive() + "@"
					+ Thread.currentThread().getName();
		}

	}

	/**
	 * Records the thread of every cache read and write.
	 */
	static class RecordingCache extends ConcurrentMapCache {

		final List<String> threads = new CopyOnWriteArrayList<>();

		RecordingCache() {
			super("balances");
		}

		@Override
		protected Object lookup(Object key) {
			this.threads.add(Thread.currentThread().getName());
			return super.lookup(key);
		}

		@Override
		public void put(Object key, Object value) {
			this.threads.add(Thread.currentThread().getName());
			super.put(key, value);
		}

	}

	@Import({ Accounts.class, Records.class })
	@EnableCaching
	@EnableResilientMethods
	abstract static class Common {

		@Bean
		RecordingCache balancesCache() {
			return new RecordingCache();
		}

		@Bean
		CacheManager cacheManager(RecordingCache cache) {
			SimpleCacheManager manager = new SimpleCacheManager();
			manager.setCaches(List.<Cache>of(cache));
			return manager;
		}

		@Bean
		PlatformTransactionManager transactionManager(DataSource dataSource) {
			return new DataSourceTransactionManager(dataSource);
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnableTransactionManagement
	static class DefaultOrderApp extends Common {

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnableTransactionManagement(order = Ordered.HIGHEST_PRECEDENCE)
	static class HighestPrecedenceApp extends Common {

	}

}
