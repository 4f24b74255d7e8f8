package dev.bridge.pool;

import dev.bridge.settings.DurationText;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link PoolSettings}: each rule of a pool's values, with a message naming the
 * property as users write it and the value as they write it. The configuration properties
 * report the same rules (see {@code BridgePropertiesValidationTests}).
 */
class PoolSettingsTests {

	private static PoolSettings small(String name, int threads, int queue) {
		return PoolSettings.defaults(name).withMaxThreads(threads).withQueueCapacity(queue);
	}

	@Test
	void poolSettingsNameThePropertyOfABadValue() {
		assertThatIllegalArgumentException().isThrownBy(() -> small("p", 0, 1))
			.withMessage("bridge.pools.p.max-threads must be strictly positive, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> small("p", 1, -1))
			.withMessage("bridge.pools.p.queue-capacity must be positive or zero, was -1");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> PoolSettings.defaults("p").withKeepAlive(Duration.ZERO))
			.withMessage("bridge.pools.p.keep-alive must be strictly positive, was 0s");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> PoolSettings.defaults("p").withTimeout(Duration.ofMillis(-1500)))
			.withMessage("bridge.pools.p.timeout must be strictly positive, was -1500ms");
	}

	@Test
	void goodValuesBreakNoRule() {
		assertThat(PoolSettings.check(1, 0, Duration.ofNanos(1), null)).isEmpty();
		assertThat(PoolSettings.check(200, 1000, Duration.ofSeconds(60), Duration.ofSeconds(5))).isEmpty();
		assertThat(small("p", 1, 0).withTimeout(Duration.ofMillis(1)).timeout()).hasMillis(1);
	}

	@Test
	void everyBrokenRuleIsReportedWithItsFieldAndKey() {
		assertThat(PoolSettings.check(0, -1, Duration.ofSeconds(-1), Duration.ZERO))
			.extracting(PoolSettings.Violation::field, PoolSettings.Violation::key, PoolSettings.Violation::reason)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("maxThreads", "max-threads",
					"must be strictly positive, was 0"),
					org.assertj.core.groups.Tuple.tuple("queueCapacity", "queue-capacity",
							"must be positive or zero, was -1"),
					org.assertj.core.groups.Tuple.tuple("keepAlive", "keep-alive", "must be strictly positive, was -1s"),
					org.assertj.core.groups.Tuple.tuple("timeout", "timeout", "must be strictly positive, was 0s"));
	}

	@Test
	void durationsArePrintedAsPropertiesWriteThem() {
		assertThat(DurationText.print(Duration.ZERO)).isEqualTo("0s");
		assertThat(DurationText.print(Duration.ofSeconds(90))).isEqualTo("90s");
		assertThat(DurationText.print(Duration.ofMinutes(2))).isEqualTo("2m");
		assertThat(DurationText.print(Duration.ofHours(3))).isEqualTo("3h");
		assertThat(DurationText.print(Duration.ofDays(106_752))).isEqualTo("106752d");
		assertThat(DurationText.print(Duration.ofMillis(100))).isEqualTo("100ms");
		assertThat(DurationText.print(Duration.ofMillis(-1))).isEqualTo("-1ms");
		assertThat(DurationText.print(Duration.ofNanos(1500))).isEqualTo("1500ns");
		assertThat(DurationText.print(Duration.ofNanos(3000))).isEqualTo("3us");
	}

}
