package dev.bridge.demo.users;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.MessageFormat;
import java.time.Clock;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Locale;

import org.springframework.stereotype.Service;

import dev.bridge.Blocking;
import reactor.core.publisher.Mono;

/**
 * A legacy synchronous transform from the user API's record to the demo's profile. It stands
 * for code the application cannot rewrite (a formatting library, a rules engine): plain
 * methods that may block, so it runs on the {@code default} Bridge pool.
 */
@Service
public class LegacyProfileFormatter {

	private final Clock clock = Clock.systemUTC();

	/**
	 * Formats a user on the {@code default} pool.
	 * @param user the user API's record
	 * @return the profile
	 */
	@Blocking
	public Mono<UserProfile> format(UpstreamUser user) {
		return Mono.just(formatNow(user));
	}

	/**
	 * Formats a user on the calling thread.
	 * @param user the user API's record
	 * @return the profile
	 */
	public UserProfile formatNow(UpstreamUser user) {
		String displayName = new MessageFormat("{1}, {0}", Locale.ROOT)
			.format(new Object[] { user.firstName(), user.lastName().toUpperCase(Locale.ROOT) });
		String initials = (user.firstName().substring(0, 1) + user.lastName().substring(0, 1)).toUpperCase(Locale.ROOT);
		long days = ChronoUnit.DAYS.between(user.memberSince(), LocalDate.now(this.clock));
		return new UserProfile(user.id(), displayName, initials, user.email(), fingerprint(user), days,
				Thread.currentThread().getName());
	}

	private static String fingerprint(UpstreamUser user) {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			byte[] hash = digest.digest((user.id() + '|' + user.email()).getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(hash, 0, 8);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is missing from this JVM", ex);
		}
	}

}
