package dev.bridge.demo.users;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The user API failed: unreachable, refused the call or answered garbage (HTTP 502), or did not
 * answer in time (HTTP 504). Rendered as {@code application/problem+json} naming the API and
 * the setting to check, never as a stack trace.
 */
public class UpstreamException extends ErrorResponseException {

	private static final long serialVersionUID = 1L;

	private UpstreamException(HttpStatus status, String title, String detail, String upstream,
			@Nullable Throwable cause) {
		super(status, problem(status, title, detail, upstream), cause);
	}

	private static ProblemDetail problem(HttpStatus status, String title, String detail, String upstream) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle(title);
		problem.setProperty("upstream", upstream);
		return problem;
	}

	static UpstreamException unreachable(String upstream, Throwable cause) {
		return new UpstreamException(HttpStatus.BAD_GATEWAY, "User API unreachable",
				"The user API at " + upstream + " could not be reached (" + rootMessage(cause)
						+ "); check demo.upstream.base-url",
				upstream, cause);
	}

	static UpstreamException refused(String upstream, HttpStatus.Series series, String status, Throwable cause) {
		String hint = (series == HttpStatus.Series.CLIENT_ERROR) ? "check demo.api-key" : "check the user API's health";
		return new UpstreamException(HttpStatus.BAD_GATEWAY, "User API failed",
				"The user API at " + upstream + " answered " + status + "; " + hint, upstream, cause);
	}

	static UpstreamException unreadable(String upstream, Throwable cause) {
		return new UpstreamException(HttpStatus.BAD_GATEWAY, "User API answered garbage",
				"The user API at " + upstream + " answered something that is not a user (" + rootMessage(cause)
						+ "); check that demo.upstream.base-url points at a user API",
				upstream, cause);
	}

	static UpstreamException timedOut(String upstream, Duration timeout, Throwable cause) {
		return new UpstreamException(HttpStatus.GATEWAY_TIMEOUT, "User API timed out",
				"The user API at " + upstream + " did not answer within " + timeout
						+ "; raise demo.upstream.timeout or check the user API",
				upstream, cause);
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return (root.getMessage() != null) ? root.getMessage() : root.getClass().getSimpleName();
	}

}
