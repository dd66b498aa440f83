import ArgumentParser
import Foundation
import TaskHost

/// `taskhost health`: is the host up, and can it record what it is told?
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Say whether the host runs and can write its database; exit 1 when degraded.",
        discussion: """
            Degraded means the database cannot be written (a full disk, a read-only file
            system): submits and controls are refused with the reason (HTTP 507) and
            nothing acknowledged is lost; the host catches up by itself once it can write
            again.

            Examples:
              taskhost health
              taskhost health --json
            """)

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var host: ClientOptions

    func run() async throws {
        let response = try await host.client().send(.GET, "/v1/healthz")
        guard response.status == 200 || response.status == 503 else { try ControlClient.check(response); return }
        let report = try APICoding.decoder.decode(HealthReport.self, from: response.body)
        if json {
            try printJSON(report)
        } else if let problem = report.problem {
            print("degraded: \(problem)")
        } else {
            let counts = report.tasks.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            print("ok: pid \(report.pid), up \(Formatting.duration(report.uptimeSeconds)), \(counts.isEmpty ? "no tasks" : counts)")
        }
        if report.status != "ok" { throw ExitCode(ExitStatus.failed) }
    }
}
