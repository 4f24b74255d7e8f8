package dev.bridge.demo.users;

import java.time.LocalDate;

/**
 * A user as the user API returns it.
 *
 * @param id the user id
 * @param firstName first name
 * @param lastName last name
 * @param email e-mail address
 * @param memberSince day the account was opened
 */
public record UpstreamUser(String id, String firstName, String lastName, String email, LocalDate memberSince) {

}
