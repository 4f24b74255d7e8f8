package dev.bridge.reliability;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import dev.bridge.BlockingBridge;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Shared set-up of the reliability scenarios: one application context (cached across the
 * scenario classes) on a real Netty port, with a small pool per scenario.
 */
@SpringBootTest(classes = ReliabilityApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "bridge.pools.flood.max-threads=2", "bridge.pools.flood.queue-capacity=2",
				"bridge.pools.storm.max-threads=1", "bridge.pools.storm.queue-capacity=500",
				"bridge.pools.storm.keep-alive=200ms", "bridge.pools.faults.max-threads=2",
				"bridge.pools.timed.max-threads=1", "bridge.pools.timed.timeout=300ms",
				"bridge.pools.context.max-threads=8", "bridge.pools.context.queue-capacity=200",
				"bridge.pools.cancel.max-threads=1",
				"bridge.guard.mode=warn", "bridge.eventloop.watchdog.enabled=false" })
abstract class ReliabilityTestSupport {

	@LocalServerPort
	int port;

	@Autowired
	BlockingBridge bridge;

	@Autowired
	ReliabilityApp.Legacy legacy;

	@Autowired
	MeterRegistry meters;

	double counter(String name, String pool) {
		return this.meters.get(name).tag("pool", pool).functionCounter().count();
	}

	/**
	 * A client with a connection per request (no pooling), so that many requests are really
	 * concurrent and cancelling one closes its connection.
	 */
	WebClient client() {
		HttpClient http = HttpClient.create(ConnectionProvider.newConnection()).responseTimeout(Duration.ofSeconds(20));
		return WebClient.builder()
			.baseUrl("http://localhost:" + this.port)
			.clientConnector(new ReactorClientHttpConnector(http))
			.build();
	}

}
