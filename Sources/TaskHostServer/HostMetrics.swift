import Foundation
import Prometheus
import Synchronization
import TaskHost

/// Prometheus metrics of a host: tasks by status (read at scrape time), attempts started and
/// ended by outcome, and attempt durations (fed from the manager's events).
final class HostMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let manager: TaskManager
    private let started: Counter
    private let durations: DurationHistogram
    private let runningSince = Mutex<[String: ContinuousClock.Instant]>([:])

    init(manager: TaskManager) {
        self.manager = manager
        started = registry.makeCounter(descriptor: Self.runsStarted)
        durations = registry.makeDurationHistogram(
            descriptor: Self.runDuration,
            buckets: [.milliseconds(10), .milliseconds(100), .seconds(1), .seconds(10), .seconds(60), .seconds(600), .seconds(3600)])
    }

    /// Follows the manager's events until they end (shutdown).
    func follow() async {
        for await event in manager.subscribe() {
            guard case .status(let id, let status, _) = event else { continue }
            switch status {
            case .running:
                // A resumed task is the same attempt: count only the first start.
                let isNew = runningSince.withLock { since in
                    guard since[id] == nil else { return false }
                    since[id] = .now
                    return true
                }
                if isNew { started.increment() }
            case .paused:
                continue
            default:
                guard let since = runningSince.withLock({ $0.removeValue(forKey: id) }) else { continue }
                durations.record(ContinuousClock.now - since)
                registry.makeCounter(descriptor: Self.runsEnded, labels: [("outcome", status.rawValue)]).increment()
            }
        }
    }

    private static var runsStarted: MetricNameDescriptor {
        MetricNameDescriptor(
        namespace: "taskhost", metricName: "runs_started", unitName: "total", helpText: "Attempts started.") }
    private static var runsEnded: MetricNameDescriptor {
        MetricNameDescriptor(
        namespace: "taskhost", metricName: "runs_ended", unitName: "total", helpText: "Attempts ended, by the status they left the task in.") }
    private static var runDuration: MetricNameDescriptor {
        MetricNameDescriptor(
        namespace: "taskhost", metricName: "run_duration", unitName: "seconds",
        helpText: "Wall time from an attempt's start to its end (pauses included).") }
    private static var tasks: MetricNameDescriptor {
        MetricNameDescriptor(
        namespace: "taskhost", metricName: "tasks", unitName: "", helpText: "Tasks by status.") }

    /// The Prometheus text exposition.
    func render() throws -> String {
        let counts = try manager.store.countsByStatus()
        for status in TaskStatus.allCases {
            registry.makeGauge(descriptor: Self.tasks, labels: [("status", status.rawValue)]).set(Double(counts[status] ?? 0))
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
