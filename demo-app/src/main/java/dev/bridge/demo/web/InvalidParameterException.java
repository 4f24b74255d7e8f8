package dev.bridge.demo.web;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A request parameter outside the range a route accepts: HTTP 400 as
 * {@code application/problem+json}, naming the parameter, the value and the range.
 */
public class InvalidParameterException extends ErrorResponseException {

	private static final long serialVersionUID = 1L;

	private InvalidParameterException(String parameter, long value, long min, long max, String unit) {
		super(HttpStatus.BAD_REQUEST, problem(parameter, value, min, max, unit), null);
	}

	private static ProblemDetail problem(String parameter, long value, long min, long max, String unit) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
				parameter + " must be between " + min + " and " + max + " " + unit + ", was " + value);
		problem.setTitle("Invalid request parameter");
		problem.setProperty("parameter", parameter);
		problem.setProperty("min", min);
		problem.setProperty("max", max);
		return problem;
	}

	/**
	 * Checks that a parameter lies in {@code [min, max]}.
	 * @param parameter the parameter name, as the client wrote it
	 * @param value its value
	 * @param min smallest accepted value
	 * @param max largest accepted value
	 * @param unit unit of the value, for the message
	 * @return the value
	 * @throws InvalidParameterException if it is out of range
	 */
	public static long requireInRange(String parameter, long value, long min, long max, String unit) {
		if (value < min || value > max) {
			throw new InvalidParameterException(parameter, value, min, max, unit);
		}
		return value;
	}

}
