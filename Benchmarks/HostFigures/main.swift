// taskhost's own figures, printed as JSON. Build in release mode, then:
//
//   taskhost-figures recovery [TASKS]      start-up recovery of a database of TASKS tasks
//   taskhost-figures pause                 pause→paused and resume→running latency (checkpoint every 1 ms)
//   taskhost-figures plugins               plugin scan + load time per plugin (cold and unchanged rescan)
//   taskhost-figures cli [TASKS]           `taskhost start` / `taskhost list` round trips against a daemon
//   taskhost-figures paused-rss [TASKS]    RSS per paused task (threads blocked at a checkpoint)
//   taskhost-figures storage [TASKS]       list/filter/counts/recovery at TASKS stored tasks, prune while submitting
//   taskhost-figures isolation [TASKS]     worker process vs thread: start, pause of a spinning task, TASKS no-ops, paused RSS
//   taskhost-figures shell [LINES]         `exec -- true` start to finish, and output lines/s of `seq 1 LINES`
//   taskhost-figures schedules [N]         N schedules every second for 10 s: firing lateness, duplicates, misses
//   taskhost-figures schedule-kills [N]    a real host with a 1 s schedule SIGKILLed N times: duplicates, misses
//   taskhost-figures batch [N]             N tasks submitted 10,000 per transaction: in the process, and `start --from-file`
//   taskhost-figures commit-floor [N]      bare SQLite insert+commit vs a durable submit vs submit-and-run, N each
//   taskhost-figures sql-floor [N]         W1 (N tasks), W2 and batch submit as bare SQL: the floor with no host overhead
//   taskhost-figures all [--smoke]         everything (small sizes with --smoke)
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let smoke = arguments.contains("--smoke")
let number = arguments.dropFirst().first.flatMap { Int($0) }
do {
    switch arguments.first {
    case "recovery": try recovery(tasks: number ?? 100_000)
    case "pause": try pauseLatency(rounds: number ?? 50)
    case "plugins": try pluginScan()
    case "cli": try cliRoundTrip(tasks: number ?? 100_000)
    case "paused-rss": try pausedMemory(tasks: number ?? 1000)
    case "storage": try storage(tasks: number ?? 1_000_000)
    case "isolation": try isolation(tasks: number ?? 10_000)
    case "shell": try shellCommands(lines: number ?? 1_000_000)
    case "schedules": try scheduleLateness(schedules: number ?? 1000, seconds: 10)
    case "schedule-kills": try scheduleKills(kills: number ?? 100)
    case "batch": try batchSubmit(tasks: number ?? 100_000)
    case "commit-floor": try commitFloor(commits: number ?? 20_000)
    case "sql-floor": try sqlFloor(tasks: number ?? 10_000)
    case "all":
        try recovery(tasks: smoke ? 2000 : 100_000)
        try pauseLatency(rounds: smoke ? 5 : 50)
        try pluginScan()
        try cliRoundTrip(tasks: smoke ? 500 : 100_000)
        try pausedMemory(tasks: smoke ? 50 : 1000)
        try storage(tasks: smoke ? 20_000 : 1_000_000)
        try isolation(tasks: smoke ? 100 : 10_000)
        try shellCommands(lines: smoke ? 10_000 : 1_000_000)
        try scheduleLateness(schedules: smoke ? 100 : 1000, seconds: smoke ? 3 : 10)
        try scheduleKills(kills: smoke ? 3 : 100)
        try batchSubmit(tasks: smoke ? 10_000 : 100_000)
        try commitFloor(commits: smoke ? 1000 : 20_000)
        try sqlFloor(tasks: smoke ? 1000 : 10_000)
    default:
        FileHandle.standardError.write(Data("usage: taskhost-figures recovery|pause|plugins|cli|paused-rss|storage|isolation|shell|schedules|schedule-kills|batch|commit-floor|sql-floor [N] | all [--smoke]\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("taskhost-figures: \(error)\n".utf8))
    exit(1)
}
