package dev.bridge.observation;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * The context of a {@code bridge.blocking} observation: one offloaded call, with the
 * low-cardinality key values {@code pool} and {@code method}. An
 * {@link io.micrometer.observation.ObservationPredicate} or handler can tell Bridge's calls
 * from other observations by this type and read the pool and method without parsing key
 * values.
 * <p>
 * The context notes whether anything changed its low-cardinality key values after they
 * were set (an {@code ObservationFilter} adding common key values, the body adding its
 * own): {@link BlockingCallMeterObservationHandler} then builds the meters' tags from the
 * key values instead of using the ones it keeps for the pool and method.
 */
public class BlockingCallContext extends Observation.Context {

	private final String pool;

	private final String method;

	/** Whether the low-cardinality key values differ from {@code pool} and {@code method}. */
	private volatile boolean keyValuesChanged;

	/** Whether the call ended: its observation may stay current while the result travels on. */
	private volatile boolean finished;

	/** The meters {@link BlockingCallMeterObservationHandler} keeps for the pool and method. */
	BlockingCallMeterObservationHandler.@Nullable CallMeters meters;

	/**
	 * Started by {@link BlockingCallMeterObservationHandler#onStart}, written last there and
	 * read first in {@code onStop}, which may run on another thread: its write publishes
	 * {@code meters} and {@code longTask}, written before it.
	 */
	volatile Timer.@Nullable Sample sample;

	/** Started by {@link BlockingCallMeterObservationHandler#onStart}, unless ignored. */
	LongTaskTimer.@Nullable Sample longTask;

	/**
	 * Creates the context of one call.
	 * @param pool the pool the call runs on
	 * @param method the call's name, as in the {@code method} key value
	 */
	public BlockingCallContext(String pool, String method) {
		this.pool = pool;
		this.method = method;
		super.addLowCardinalityKeyValue(KeyValue.of("pool", pool));
		super.addLowCardinalityKeyValue(KeyValue.of("method", method));
	}

	/**
	 * The pool the call runs on.
	 * @return the pool's name
	 */
	public String getPool() {
		return this.pool;
	}

	/**
	 * The call's name: the method's declaring class and name, or the name given to a
	 * spawned call.
	 * @return the call's name
	 */
	public String getMethod() {
		return this.method;
	}

	/**
	 * Whether anything added, changed or removed a low-cardinality key value after the
	 * context was created (adding one equal to the one there changes nothing). Once set, it
	 * stays set.
	 * @return {@code true} once one was
	 */
	boolean keyValuesChanged() {
		return this.keyValuesChanged;
	}

	/**
	 * Marks the call as ended. Its observation can still be the current one on the pool
	 * thread while the result travels downstream; an ended call must not parent the next.
	 */
	public void markFinished() {
		this.finished = true;
	}

	/**
	 * Whether the call ended ({@link #markFinished()}).
	 * @return {@code true} once it did
	 */
	public boolean isFinished() {
		return this.finished;
	}

	@Override
	public Observation.Context addLowCardinalityKeyValue(KeyValue keyValue) {
		noteChange(keyValue);
		return super.addLowCardinalityKeyValue(keyValue);
	}

	@Override
	public Observation.Context addLowCardinalityKeyValues(KeyValues keyValues) {
		for (KeyValue keyValue : keyValues) {
			noteChange(keyValue);
		}
		return super.addLowCardinalityKeyValues(keyValues);
	}

	@Override
	public Observation.Context removeLowCardinalityKeyValue(String keyName) {
		noteRemoval(keyName);
		return super.removeLowCardinalityKeyValue(keyName);
	}

	@Override
	public Observation.Context removeLowCardinalityKeyValues(String... keyNames) {
		for (String keyName : keyNames) {
			noteRemoval(keyName);
		}
		return super.removeLowCardinalityKeyValues(keyNames);
	}

	/** A key value that is already there (an empty set of common key values adds none) changes nothing. */
	private void noteChange(KeyValue keyValue) {
		if (!this.keyValuesChanged && !keyValue.equals(getLowCardinalityKeyValue(keyValue.getKey()))) {
			this.keyValuesChanged = true;
		}
	}

	private void noteRemoval(String keyName) {
		if (!this.keyValuesChanged && getLowCardinalityKeyValue(keyName) != null) {
			this.keyValuesChanged = true;
		}
	}

}
