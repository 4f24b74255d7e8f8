package dev.bridge.demo.users;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The user API knows no user with that id: HTTP 404 as {@code application/problem+json}.
 */
public class UserNotFoundException extends ErrorResponseException {

	private static final long serialVersionUID = 1L;

	UserNotFoundException(String id, Throwable cause) {
		super(HttpStatus.NOT_FOUND, problem(id), cause);
	}

	private static ProblemDetail problem(String id) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
				"The user API has no user '" + id + "'; user ids are positive integers");
		problem.setTitle("User not found");
		return problem;
	}

}
