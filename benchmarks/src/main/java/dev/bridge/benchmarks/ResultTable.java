package dev.bridge.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A table of results, printed on the console and written as CSV and Markdown.
 */
public final class ResultTable {

	private final List<String> columns;

	private final List<List<String>> rows = new ArrayList<>();

	private final List<String> notes = new ArrayList<>();

	/**
	 * Creates an empty table.
	 * @param columns the column headers
	 */
	public ResultTable(String... columns) {
		this.columns = List.of(columns);
	}

	/**
	 * Adds a row.
	 * @param cells one value per column
	 * @return this table
	 */
	public ResultTable row(Object... cells) {
		if (cells.length != this.columns.size()) {
			throw new IllegalArgumentException(
					"Row has " + cells.length + " cells but the table has " + this.columns.size() + " columns");
		}
		List<String> row = new ArrayList<>();
		for (Object cell : cells) {
			row.add(format(cell));
		}
		this.rows.add(row);
		return this;
	}

	/**
	 * Adds a line printed under the table (Markdown and console only).
	 * @param note the line
	 * @return this table
	 */
	public ResultTable note(String note) {
		this.notes.add(note);
		return this;
	}

	private static String format(Object cell) {
		return (cell instanceof Double value) ? decimal(value) : String.valueOf(cell);
	}

	/**
	 * Formats a number for a cell: two decimals below 100, none from 100 on.
	 * @param value the number
	 * @return the cell text
	 */
	public static String decimal(double value) {
		return String.format(Locale.ROOT, (Math.abs(value) >= 100) ? "%.0f" : "%.2f", value);
	}

	/**
	 * Formats a duration in milliseconds for a cell.
	 * @param nanos the duration in nanoseconds
	 * @return the cell text
	 */
	public static String millis(long nanos) {
		return decimal(nanos / 1e6);
	}

	/**
	 * The table as GitHub Markdown, with its notes.
	 * @return the Markdown
	 */
	public String toMarkdown() {
		StringBuilder markdown = new StringBuilder();
		markdown.append("| ").append(String.join(" | ", this.columns)).append(" |\n");
		markdown.append("|").append(this.columns.stream().map((column) -> "---").collect(Collectors.joining("|")))
			.append("|\n");
		for (List<String> row : this.rows) {
			markdown.append("| ").append(String.join(" | ", row)).append(" |\n");
		}
		if (!this.notes.isEmpty()) {
			markdown.append('\n');
			this.notes.forEach((note) -> markdown.append(note).append("\n\n"));
		}
		return markdown.toString();
	}

	/**
	 * The table as CSV (RFC 4180 quoting), without the notes.
	 * @return the CSV
	 */
	public String toCsv() {
		StringBuilder csv = new StringBuilder();
		csv.append(this.columns.stream().map(ResultTable::quote).collect(Collectors.joining(","))).append('\n');
		for (List<String> row : this.rows) {
			csv.append(row.stream().map(ResultTable::quote).collect(Collectors.joining(","))).append('\n');
		}
		return csv.toString();
	}

	private static String quote(String value) {
		return (value.contains(",") || value.contains("\"") || value.contains("\n"))
				? '"' + value.replace("\"", "\"\"") + '"' : value;
	}

	/**
	 * Prints the table and writes {@code <name>.csv} and {@code <name>.md}.
	 * @param directory where to write
	 * @param name file name without extension
	 * @param header Markdown text above the table (title, machine)
	 */
	public void publish(Path directory, String name, String header) {
		String markdown = header + "\n" + toMarkdown();
		System.out.println();
		System.out.println(markdown);
		try {
			Files.createDirectories(directory);
			Files.writeString(directory.resolve(name + ".csv"), toCsv(), StandardCharsets.UTF_8);
			Files.writeString(directory.resolve(name + ".md"), markdown, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot write results to " + directory.toAbsolutePath()
					+ "; check -Dbench.results points at a writable directory", ex);
		}
		System.out.println("Written: " + directory.resolve(name + ".csv").toAbsolutePath() + " and "
				+ directory.resolve(name + ".md").toAbsolutePath());
	}

	/**
	 * A Markdown line describing this machine and JVM, for the header of every table.
	 * @return the line
	 */
	public static String machine() {
		// The load average says whether something else was competing for the CPUs.
		double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
		return String.format(Locale.ROOT,
				"Machine: %d CPUs (availableProcessors), %s %s (%s), %s %s, max heap %d MiB, load average %s at the end",
				Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
				System.getProperty("java.runtime.version"), System.getProperty("java.vm.vendor"),
				System.getProperty("os.name"), System.getProperty("os.arch"),
				Runtime.getRuntime().maxMemory() / (1024 * 1024), (load < 0) ? "n/a" : decimal(load));
	}

}
