import Foundation
import TaskHost
import Testing

/// Schedules and their tasks through the real CLI, for the schedule tests.
extension DaemonFixture {
    /// The tasks a schedule started, from `list --schedule --json`.
    func scheduledTasks(_ schedule: String) throws -> [TaskSummary] {
        let list = try cli("list", "--schedule", schedule, "--json", "--limit", "10000")
        try #require(list.status == 0, "\(list.stderr)")
        return try APICoding.decoder.decode(TaskPage.self, from: Data(list.stdout.utf8)).tasks
    }

    /// `schedule add ARGUMENTS`; the new schedule's id.
    func addSchedule(_ arguments: [String]) throws -> String {
        let added = try cli(["schedule", "add"] + arguments)
        try #require(added.status == 0, "\(added.stderr)")
        return added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
