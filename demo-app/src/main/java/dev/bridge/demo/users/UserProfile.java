package dev.bridge.demo.users;

/**
 * The demo's answer for a user: what the legacy formatter makes of the user API's record.
 *
 * @param id the user id
 * @param displayName name as the legacy system shows it
 * @param initials initials, for an avatar
 * @param email e-mail address
 * @param fingerprint legacy fingerprint of the record (hex)
 * @param memberForDays days since the account was opened
 * @param formattedOn the thread that ran the formatter ({@code bridge-default-*})
 */
public record UserProfile(String id, String displayName, String initials, String email, String fingerprint,
		long memberForDays, String formattedOn) {

}
