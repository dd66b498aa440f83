// A host process for crash and durability tests: embeds TaskHost, takes commands on stdin,
// answers on stdout, and is killed with SIGKILL by the test.
//
//   taskhost-test-host HOME PLUGINS [WORKERS]
//   submit TYPE [key=value ...] [+requeue] [+retries=N]  ->  ack ID
//   pause ID | resume ID | stop ID                       ->  ok STATUS | error CODE
//   status ID                                            ->  status STATUS PROGRESS
//   quit                                                 ->  bye (after a graceful shutdown)
import Foundation
import Logging
import TaskHost
import TaskKit

/// Writes a line to stdout unbuffered, so the test reads each answer as soon as it is given.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: taskhost-test-host HOME PLUGINS [WORKERS]\n".utf8))
    exit(2)
}
var logger = Logger(label: "test-host")
logger.logLevel = .warning
let paths = HostPaths(home: arguments[1], plugins: arguments[2])
do {
    try paths.createHome()
    let loader = PluginLoader(
        configuration: PluginLoaderConfiguration(pluginsDirectory: paths.pluginsDirectory, imageCacheDirectory: paths.imageCache),
        logger: logger)
    loader.scan()
    let store = try TaskStore(path: paths.database.path)
    let workers = arguments.count > 3 ? Int(arguments[3]) ?? 4 : 4
    let manager = TaskManager(store: store, registry: loader.registry, configuration: .init(maxRunning: workers), logger: logger)
    let report = try manager.start()
    say("ready interrupted=\(report.interrupted) requeued=\(report.requeued) paused=\(report.paused) pending=\(report.pending)")
    while let line = readLine() {
        let words = line.split(separator: " ").map(String.init)
        guard let command = words.first else { continue }
        do {
            switch command {
            case "submit":
                var parameters: [String: ParameterValue] = [:]
                var options = SubmitOptions()
                for word in words.dropFirst(2) {
                    if word == "+requeue" {
                        options.requeueOnInterrupt = true
                    } else if word.hasPrefix("+retries=") {
                        options.maxRetries = Int(word.dropFirst(9))
                    } else if let equals = word.firstIndex(of: "=") {
                        parameters[String(word[..<equals])] = .string(String(word[word.index(after: equals)...]))
                    }
                }
                let id = try manager.submit(type: words.count > 1 ? words[1] : "", parameters: parameters, options: options, actor: "test")
                say("ack \(id)")
            case "pause": say("ok \(try manager.pause(words[1]).status.rawValue)")
            case "resume": say("ok \(try manager.resume(words[1]).status.rawValue)")
            case "stop": say("ok \(try manager.stop(words[1]).status.rawValue)")
            case "status":
                let record = try manager.task(words[1])
                say("status \(record.status.rawValue) \(record.progress?.completed ?? 0)")
            case "quit":
                manager.shutdown(grace: .seconds(5))
                say("bye")
                exit(0)
            default:
                say("error unknown_command")
            }
        } catch {
            say("error \(error.code)")
        }
    }
} catch let error as TaskHostError {
    say("fatal \(error.code) \(error)")
    exit(1)
} catch {
    say("fatal \(error)")
    exit(1)
}
