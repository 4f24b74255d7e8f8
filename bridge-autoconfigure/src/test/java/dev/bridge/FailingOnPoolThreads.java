package dev.bridge;

import io.micrometer.context.ThreadLocalAccessor;

/**
 * A thread-local accessor that works on the caller's thread and throws when its value is set
 * on a bridge pool thread (a thread named {@code bridge-*}): a broken accessor as the pool
 * meets it.
 */
public final class FailingOnPoolThreads implements ThreadLocalAccessor<String> {

	private final ThreadLocal<String> value = new ThreadLocal<>();

	/**
	 * The thread local behind the accessor.
	 * @return the thread local
	 */
	public ThreadLocal<String> threadLocal() {
		return this.value;
	}

	@Override
	public Object key() {
		return "bad";
	}

	@Override
	public String getValue() {
		return this.value.get();
	}

	/**
	 * Sets the value, or throws {@code IllegalArgumentException("no <value> here")} on a pool
	 * thread.
	 */
	@Override
	public void setValue(String value) {
		if (Thread.currentThread().getName().startsWith("bridge-")) {
			throw new IllegalArgumentException("no " + value + " here");
		}
		this.value.set(value);
	}

	@Override
	public void setValue() {
		this.value.remove();
	}

}
