package dev.bridge.demo.load;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A load was asked for while another one runs: HTTP 409, so that repeated clicks cannot
 * pile loads up.
 */
public class LoadAlreadyRunningException extends ErrorResponseException {

	private static final long serialVersionUID = 1L;

	LoadAlreadyRunningException(LoadMode running) {
		super(HttpStatus.CONFLICT, problem(running), null);
	}

	private static ProblemDetail problem(LoadMode running) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
				"A " + running + " load is already running; wait for its report, then start the next one");
		problem.setTitle("Load already running");
		problem.setProperty("running", running.toString());
		return problem;
	}

}
