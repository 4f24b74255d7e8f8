// The demo's live page: polls Actuator every second and draws the last minute with Chart.js.
'use strict';

(() => {
	const PERIOD_MS = 1000;
	const WINDOW_MS = 60_000;
	const LOOP_GROUP = 'reactor-netty';
	const PERCENTILES = [['p50', 0.5], ['p90', 0.9], ['p99', 0.99]];
	// Percentiles of the probe delay over the last seconds, from the timer's histogram buckets
	// (what Grafana's histogram_quantile does): /actuator/metrics has no buckets.
	const DELAY_WINDOW_MS = 5000;
	const MAX_REPORTS = 6;
	const DELAY_HISTOGRAM = '/actuator/prometheus?includedNames=bridge_eventloop_delay_seconds';
	const COLORS = ['#2563eb', '#c2410c', '#059669', '#7c3aed', '#db2777', '#ca8a04', '#0891b2', '#4b5563'];
	// Frames that are never the code to blame: the JDK, the frameworks, Bridge itself.
	const FRAMEWORK_FRAME = /^(java\.|javax\.|jdk\.|sun\.|com\.sun\.|io\.netty\.|reactor\.|org\.springframework\.|io\.micrometer\.|dev\.bridge\.(?!demo\.))/;

	// State read by the browser test (and handy in the console).
	const demo = window.bridgeDemo = { polls: 0, failures: 0, charts: {}, pools: [], loads: {}, lastError: null };

	const status = document.getElementById('status');

	function chart(id, yTitle, decimals) {
		const canvas = document.getElementById(id);
		return new Chart(canvas, {
			type: 'line',
			data: { datasets: [] },
			options: {
				animation: false,
				maintainAspectRatio: false,
				parsing: false,
				normalized: true,
				interaction: { mode: 'nearest', axis: 'x', intersect: false },
				elements: { point: { radius: 0 }, line: { borderWidth: 2, tension: 0 } },
				scales: {
					x: {
						type: 'linear',
						ticks: {
							stepSize: 15_000,
							includeBounds: false,
							callback: (value) => new Date(value).toLocaleTimeString([], { hour12: false }),
						},
					},
					y: {
						beginAtZero: true,
						suggestedMax: decimals > 0 ? 0.1 : 1,
						title: { display: true, text: yTitle },
						ticks: { precision: decimals },
					},
				},
				plugins: { legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 2 } } },
			},
		});
	}

	demo.charts.stall = chart('chart-stall', 'seconds', 2);
	demo.charts.delay = chart('chart-delay', 'ms', 1);
	demo.charts.depth = chart('chart-depth', 'tasks', 0);
	demo.charts.active = chart('chart-active', 'threads', 0);
	demo.charts.rejected = chart('chart-rejected', 'per second', 1);

	function series(chartObject, label) {
		let dataset = chartObject.data.datasets.find((candidate) => candidate.label === label);
		if (!dataset) {
			const color = COLORS[chartObject.data.datasets.length % COLORS.length];
			dataset = { label, data: [], borderColor: color, backgroundColor: color };
			chartObject.data.datasets.push(dataset);
		}
		return dataset;
	}

	function push(chartObject, label, time, value) {
		if (value !== null && value !== undefined && !Number.isNaN(value)) {
			series(chartObject, label).data.push({ x: time, y: value });
		}
	}

	function redraw(time) {
		for (const chartObject of Object.values(demo.charts)) {
			for (const dataset of chartObject.data.datasets) {
				while (dataset.data.length > 0 && dataset.data[0].x < time - WINDOW_MS) {
					dataset.data.shift();
				}
			}
			chartObject.options.scales.x.min = time - WINDOW_MS;
			chartObject.options.scales.x.max = time;
			chartObject.update('none');
		}
	}

	async function text(url) {
		const response = await fetch(url, { cache: 'no-store', headers: { Accept: 'text/plain' } });
		if (!response.ok) {
			throw new Error(url + ' answered ' + response.status);
		}
		return response.text();
	}

	// Cumulative bucket counts of one group's delay histogram: [[le seconds, count], ...] by le.
	function buckets(exposition, group) {
		const result = [];
		for (const line of exposition.split('\n')) {
			if (!line.startsWith('bridge_eventloop_delay_seconds_bucket{') || !line.includes('group="' + group + '"')) {
				continue;
			}
			const le = /le="([^"]+)"/.exec(line);
			const count = Number(line.slice(line.lastIndexOf(' ') + 1));
			if (le) {
				result.push([le[1] === '+Inf' ? Infinity : Number(le[1]), count]);
			}
		}
		return result.sort((a, b) => a[0] - b[0]);
	}

	// Prometheus' histogram_quantile over the difference of two bucket snapshots.
	function quantile(q, now, then) {
		const counts = now.map(([le, count], index) => [le, count - (then[index] ? then[index][1] : 0)]);
		const total = counts.length > 0 ? counts[counts.length - 1][1] : 0;
		if (total <= 0) {
			return null;
		}
		const rank = q * total;
		let lower = 0;
		let below = 0;
		for (const [le, cumulative] of counts) {
			if (cumulative >= rank) {
				if (le === Infinity) {
					return lower;
				}
				const inBucket = cumulative - below;
				return inBucket > 0 ? lower + (le - lower) * ((rank - below) / inBucket) : le;
			}
			lower = le;
			below = cumulative;
		}
		return lower;
	}

	const delaySnapshots = [];

	function delayPercentiles(exposition, time) {
		const now = buckets(exposition, LOOP_GROUP);
		delaySnapshots.push({ time, buckets: now });
		while (delaySnapshots.length > 1 && delaySnapshots[1].time <= time - DELAY_WINDOW_MS) {
			delaySnapshots.shift();
		}
		const then = delaySnapshots[0];
		if (then.time === time || then.buckets.length !== now.length) {
			return PERCENTILES.map(() => null);
		}
		return PERCENTILES.map(([, q]) => quantile(q, now, then.buckets));
	}

	async function json(url) {
		const response = await fetch(url, { cache: 'no-store', headers: { Accept: 'application/json' } });
		if (response.status === 404) {
			return null;
		}
		if (!response.ok) {
			throw new Error(url + ' answered ' + response.status);
		}
		return response.json();
	}

	// One statistic of /actuator/metrics/{name}, null while the meter does not exist.
	async function metric(name, tags, statistic = 'VALUE') {
		const query = tags.map((tag) => 'tag=' + encodeURIComponent(tag)).join('&');
		const body = await json('/actuator/metrics/' + name + (query ? '?' + query : ''));
		const measurement = body && body.measurements.find((candidate) => candidate.statistic === statistic);
		return measurement ? measurement.value : null;
	}

	const lastRejected = new Map();

	async function sample() {
		const bridge = await json('/actuator/bridge');
		const pools = Object.keys(bridge.pools);
		demo.pools = pools;
		const [poolFigures, histogram, stall] = await Promise.all([
			Promise.all(pools.map((pool) => Promise.all([
				metric('executor.queued', ['name:bridge.' + pool]),
				metric('executor.active', ['name:bridge.' + pool]),
				metric('bridge.pool.rejected', ['pool:' + pool], 'COUNT'),
			]))),
			text(DELAY_HISTOGRAM),
			metric('bridge.eventloop.stall', []),
		]);
		const time = Date.now();
		const delay = delayPercentiles(histogram, time);
		pools.forEach((pool, index) => {
			const [queued, active, rejected] = poolFigures[index];
			push(demo.charts.depth, pool, time, queued);
			push(demo.charts.active, pool, time, active);
			const previous = lastRejected.get(pool);
			if (rejected !== null && previous) {
				push(demo.charts.rejected, pool, time, (rejected - previous.count) / Math.max(0.001, (time - previous.time) / 1000));
			}
			if (rejected !== null) {
				lastRejected.set(pool, { count: rejected, time });
			}
		});
		PERCENTILES.forEach(([label], index) => push(demo.charts.delay, label, time, delay[index] === null ? null : delay[index] * 1000));
		// Two readings of the current stall (the endpoint's and the gauge's, taken one after the
		// other): a poll answered by a loop that was itself stalled still shows another one's.
		const readings = [stall, bridge.eventLoops && bridge.eventLoops.currentStallSeconds]
			.filter((value) => typeof value === 'number');
		push(demo.charts.stall, 'current stall', time, readings.length ? Math.max(...readings) : null);
		redraw(time);
		renderPools(bridge.pools);
		renderStalls(bridge.eventLoops.recentStalls || []);
	}

	function cell(row, text, className) {
		const td = document.createElement('td');
		td.textContent = text;
		if (className) {
			td.className = className;
		}
		row.appendChild(td);
		return td;
	}

	function renderPools(pools) {
		const body = document.querySelector('#pools tbody');
		body.replaceChildren(...Object.entries(pools).map(([name, pool]) => {
			const row = document.createElement('tr');
			row.dataset.pool = name;
			const th = document.createElement('th');
			th.textContent = name;
			row.appendChild(th);
			for (const value of [pool.threads + '/' + pool.config.maxThreads, pool.active,
				pool.queued + '/' + pool.config.queueCapacity, pool.completed, pool.rejected, pool.cancelled]) {
				cell(row, String(value), 'num');
			}
			return row;
		}));
	}

	// "app//dev.bridge.demo.X.m(X.java:5)" and "java.base@17/java.lang.Thread.sleep(...)" without their loader.
	function frame(line) {
		const head = line.indexOf('(') >= 0 ? line.slice(0, line.indexOf('(')) : line;
		return line.slice(head.lastIndexOf('/') + 1);
	}

	// The frame to blame: the report's own culprit when it has one, else the innermost
	// application frame of the stack; null when no code is to blame.
	function culprit(report) {
		if (Array.isArray(report.culprit)) {
			return report.culprit.length > 0 ? frame(report.culprit[0]) : null;
		}
		const frames = (report.stack || []).map(frame);
		return frames.find((candidate) => !FRAMEWORK_FRAME.test(candidate) && !candidate.includes('$$')) || null;
	}

	function renderStalls(reports) {
		const body = document.querySelector('#stalls tbody');
		if (reports.length === 0) {
			return;
		}
		body.replaceChildren(...reports.slice(0, MAX_REPORTS).map((report) => {
			const row = document.createElement('tr');
			row.dataset.kind = report.kind;
			cell(row, new Date(report.startedAt).toLocaleTimeString([], { hour12: false }));
			cell(row, report.thread || '(whole JVM)');
			cell(row, Math.round(report.durationMillis) + ' ms' + (report.ended ? '' : ' so far'), 'num');
			const cause = report.cause || (report.kind === 'JVM_PAUSE' ? 'jvm-pause' : '');
			const causeCell = cell(row, '');
			if (cause) {
				const badge = document.createElement('span');
				badge.className = 'cause cause-' + cause;
				badge.textContent = cause;
				causeCell.appendChild(badge);
			}
			const blamed = culprit(report);
			const culpritCell = cell(row, blamed || (report.stack && report.stack.length > 0
				? 'no application frame (top: ' + frame(report.stack[0]) + ')' : 'no stack'), 'culprit');
			if (!blamed) {
				culpritCell.classList.add('muted');
			}
			culpritCell.title = (report.stack || []).slice(0, 15).map(frame).join('\n');
			return row;
		}));
	}

	async function poll() {
		const started = performance.now();
		try {
			await sample();
			demo.polls++;
			status.className = '';
			status.textContent = 'Live: ' + demo.polls + ' samples, last at ' + new Date().toLocaleTimeString([], { hour12: false });
		}
		catch (error) {
			demo.failures++;
			demo.lastError = String(error);
			status.className = 'error';
			status.textContent = 'Cannot read Actuator: ' + error.message + ' (retrying)';
		}
		status.dataset.polls = String(demo.polls);
		setTimeout(poll, Math.max(0, PERIOD_MS - (performance.now() - started)));
	}

	const buttons = [...document.querySelectorAll('button[data-mode]')];
	const loadStatus = document.getElementById('load-status');

	function renderLoad(report) {
		const row = document.querySelector('#load-results tr[data-mode="' + report.mode + '"]');
		const th = row.querySelector('th');
		row.replaceChildren(th);
		cell(row, report.route);
		cell(row, report.succeeded + '/' + report.requests, 'num');
		cell(row, (report.elapsedMillis / 1000).toFixed(1) + ' s', 'num');
		cell(row, String(report.pings), 'num');
		cell(row, report.pingMedianMillis.toFixed(1) + ' ms', 'num');
		cell(row, report.pingMaxMillis.toFixed(1) + ' ms', 'num');
		row.dataset.done = 'true';
	}

	async function load(mode) {
		buttons.forEach((button) => { button.disabled = true; });
		loadStatus.textContent = (mode === 'naive' ? 'Naive' : 'Bridged') + ' load running…';
		try {
			const response = await fetch('/demo/load/' + mode, { method: 'POST' });
			const body = await response.json();
			if (!response.ok) {
				throw new Error(body.detail || ('HTTP ' + response.status));
			}
			demo.loads[mode] = body;
			renderLoad(body);
			loadStatus.textContent = 'Last: ' + mode + ' load, ' + body.succeeded + '/' + body.requests
				+ ' calls in ' + (body.elapsedMillis / 1000).toFixed(1) + ' s.';
		}
		catch (error) {
			loadStatus.textContent = 'The ' + mode + ' load failed: ' + error.message;
		}
		finally {
			buttons.forEach((button) => { button.disabled = false; });
		}
	}

	buttons.forEach((button) => button.addEventListener('click', () => load(button.dataset.mode)));
	poll();
})();
