package dev.bridge.autoconfigure;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.bind.validation.ValidationErrors;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/**
 * Explains a {@code bridge.*} value that fails to bind or to validate in the words users
 * write: the property in its dashed form ({@code bridge.pools.default.max-threads}, not
 * {@code maxThreads}), the value as written ({@code 0s}, not {@code PT0S}), and for an enum
 * the accepted values as properties accept them ({@code fail, warn, off}). Ordered before
 * Spring Boot's own analyzers; anything else is left to them.
 */
class BridgeBindFailureAnalyzer extends AbstractFailureAnalyzer<BindException> implements Ordered {

	private static final ConfigurationPropertyName BRIDGE = ConfigurationPropertyName.of("bridge");

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
		if (!BRIDGE.equals(cause.getName()) && !BRIDGE.isAncestorOf(cause.getName())) {
			return null;
		}
		if (cause.getCause() instanceof BindValidationException validation) {
			return analyzeValidation(cause, validation.getValidationErrors());
		}
		Class<?> type = cause.getTarget().getType().resolve();
		if (type != null && type.isEnum()) {
			return analyzeEnum(cause, type);
		}
		return null;
	}

	private @Nullable FailureAnalysis analyzeValidation(BindException cause, ValidationErrors errors) {
		StringBuilder description = new StringBuilder("Invalid Bridge configuration:\n");
		List<String> properties = new ArrayList<>();
		for (ObjectError error : errors) {
			if (!(error instanceof FieldError field)) {
				return null;
			}
			ConfigurationPropertyName name = errors.getName().append(dashed(field.getField()));
			ConfigurationProperty property = errors.getBoundProperties()
				.stream()
				.filter((candidate) -> candidate.getName().equals(name))
				.findFirst()
				.orElse(null);
			properties.add(name.toString());
			description.append("\n    Property: ").append(name);
			if (property != null) {
				description.append("\n    Value: \"").append(property.getValue()).append('"');
				if (property.getOrigin() != null) {
					description.append("\n    Origin: ").append(property.getOrigin());
				}
			}
			description.append("\n    Reason: ").append(field.getDefaultMessage()).append('\n');
		}
		return new FailureAnalysis(description.toString(),
				"Update your application's configuration: fix " + String.join(", ", properties) + ".", cause);
	}

	private FailureAnalysis analyzeEnum(BindException cause, Class<?> type) {
		String accepted = Arrays.stream(type.getEnumConstants())
			.map((constant) -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
			.collect(Collectors.joining(", "));
		ConfigurationProperty property = cause.getProperty();
		StringBuilder description = new StringBuilder("Invalid Bridge configuration:\n");
		description.append("\n    Property: ").append(cause.getName());
		if (property != null) {
			description.append("\n    Value: \"").append(property.getValue()).append('"');
			if (property.getOrigin() != null) {
				description.append("\n    Origin: ").append(property.getOrigin());
			}
		}
		description.append("\n    Reason: not one of ").append(accepted).append('\n');
		return new FailureAnalysis(description.toString(), "Update your application's configuration: set "
				+ cause.getName() + " to one of " + accepted + " (in any case).", cause);
	}

	private static String dashed(String field) {
		StringBuilder dashed = new StringBuilder();
		for (char c : field.toCharArray()) {
			if (Character.isUpperCase(c)) {
				dashed.append('-').append(Character.toLowerCase(c));
			}
			else {
				dashed.append(c);
			}
		}
		return dashed.toString();
	}

}
