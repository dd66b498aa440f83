import Foundation

/// The SQL a taskhost submit and a task's end commit, on a raw connection: the same statements,
/// the same columns, the same tables, indexes and triggers (the store made the schema).
final class FloorStatements: @unchecked Sendable {
    private let begin, commit, insert, audit, count, finish, attempt: RawStatement

    init(_ connection: RawConnection) throws {
        begin = try connection.prepare("BEGIN IMMEDIATE")
        commit = try connection.prepare("COMMIT")
        insert = try connection.prepare(
            """
            INSERT INTO tasks (id, type, name, status, priority, parameters, tags, max_retries, backoff_base,
                backoff_factor, backoff_cap, timeout, requeue_on_interrupt, idempotency_key, created_at, updated_at, run_at,
                isolation, memory_limit, cpu_limit, source, schedule_id, scheduled_for, attempt, started_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        audit = try connection.prepare("INSERT INTO audit (at, action, task_id, actor, detail) VALUES (?, ?, ?, ?, ?)")
        count = try connection.prepare(
            "INSERT INTO task_counts (status, count) VALUES (?, ?) ON CONFLICT (status) DO UPDATE SET count = count + excluded.count")
        // The columns a finished task's end sets, in its order (`TaskManager.writeOutcome`, `TaskUpdate.apply`).
        finish = try connection.prepare(
            """
            UPDATE tasks SET stop_requested = ?, pause_requested = ?, host_deaths = ?, result = ?, error_message = ?,
                error_type = ?, error_attempt = ?, status = ?, finished_at = ?, waiting_reason = ?, updated_at = ? WHERE id = ?
            """)
        attempt = try connection.prepare(
            """
            INSERT INTO attempts (task_seq, attempt, started_at, ended_at, outcome, error)
                SELECT seq, ?2, COALESCE(started_at, ?3), ?3, ?4, ?5 FROM tasks WHERE id = ?1
            ON CONFLICT (task_seq, attempt) DO UPDATE SET ended_at = excluded.ended_at, outcome = excluded.outcome, error = excluded.error
            """)
    }

    /// One submit's commit: the task row (running its first attempt when `running`), its audit row, its count.
    func submit(id: String, index: Int, running: Bool) throws {
        try submit(id: id, index: index, running: running, withEnds: [])
    }

    /// A batch's commit: its rows, one count and one audit row for all of them.
    func submit(batch ids: ArraySlice<String>) throws {
        try begin.run()
        let now = Date().timeIntervalSince1970
        for (index, id) in zip(ids.indices, ids) { try insertRow(id: id, index: index, running: false, at: now) }
        try count("pending", by: ids.count)
        try audit(task: nil, detail: "\(ids.count) tasks (noop)")
        try commit.run()
    }

    /// One round of ends: each task finished and its attempt row written.
    func finish(_ ids: ArraySlice<String>) throws {
        try begin.run()
        try finishRows(ids)
        try commit.run()
    }

    /// One submit's commit carrying the ends that were due (the leader takes every due write).
    func submit(id: String, index: Int, running: Bool, withEnds ends: ArraySlice<String>) throws {
        try begin.run()
        try insertRow(id: id, index: index, running: running, at: Date().timeIntervalSince1970)
        try audit(task: id, detail: "noop")
        try count(running ? "running" : "pending", by: 1)
        try finishRows(ends)
        try commit.run()
    }

    private func finishRows(_ ids: ArraySlice<String>) throws {
        let now = Date().timeIntervalSince1970
        for id in ids {
            finish.bind(1, Int64(0))
            finish.bind(2, Int64(0))
            finish.bind(3, Int64(0))
            finish.bind(4, "{}")
            for position in Int32(5)...7 { finish.bindNull(position) }
            finish.bind(8, "finished")
            finish.bind(9, now)
            finish.bindNull(10)
            finish.bind(11, now)
            finish.bind(12, id)
            try finish.run()
            attempt.bind(1, id)
            attempt.bind(2, Int64(1))
            attempt.bind(3, now)
            attempt.bind(4, "finished")
            attempt.bindNull(5)
            try attempt.run()
        }
    }

    private func insertRow(id: String, index: Int, running: Bool, at now: Double) throws {
        // Bound one by one, as taskhost's insert binds them: nothing boxed on the way.
        insert.bind(1, id)
        insert.bind(2, "noop")
        insert.bindNull(3)
        insert.bind(4, running ? "running" : "pending")
        insert.bind(5, Int64(0))
        insert.bind(6, "{\"i\":\(index)}")
        insert.bind(7, "{}")
        insert.bind(8, Int64(0))
        insert.bind(9, 1.0)
        insert.bind(10, 2.0)
        insert.bind(11, 300.0)
        insert.bindNull(12)
        insert.bind(13, Int64(0))
        insert.bindNull(14)
        insert.bind(15, now)
        insert.bind(16, now)
        if running { insert.bindNull(17) } else { insert.bind(17, now + 86_400) }
        insert.bind(18, "thread")
        insert.bindNull(19)
        insert.bindNull(20)
        insert.bind(21, "manual")
        insert.bindNull(22)
        insert.bindNull(23)
        insert.bind(24, Int64(running ? 1 : 0))
        if running { insert.bind(25, now) } else { insert.bindNull(25) }
        try insert.run()
    }

    private func audit(task: String?, detail: String) throws {
        audit.bind(1, Date().timeIntervalSince1970)
        audit.bind(2, "submit")
        if let task { audit.bind(3, task) } else { audit.bindNull(3) }
        audit.bind(4, "bench")
        audit.bind(5, detail)
        try audit.run()
    }

    private func count(_ status: String, by added: Int) throws {
        count.bind(1, status)
        count.bind(2, Int64(added))
        try count.run()
    }
}

/// 32 random hex digits, as taskhost's task ids.
func randomTaskIDs(_ count: Int) -> [String] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in
        let high = String(generator.next() as UInt64, radix: 16)
        let low = String(generator.next() as UInt64, radix: 16)
        return String(repeating: "0", count: 16 - high.count) + high + String(repeating: "0", count: 16 - low.count) + low
    }
}
