/// The database schema, as numbered migrations applied in order and recorded in `user_version`.
/// Only ever append a migration; never edit a shipped one.
enum StoreSchema {
    /// `PRAGMA application_id` of a taskhost database ("TSKH").
    static let applicationID: Int64 = 0x5453_4B48

    /// Each entry upgrades the schema from version `index` to `index + 1`.
    static let migrations: [String] = [
        """
        CREATE TABLE tasks (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            name TEXT,
            status TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            parameters TEXT NOT NULL,
            tags TEXT NOT NULL DEFAULT '{}',
            attempt INTEGER NOT NULL DEFAULT 0,
            max_retries INTEGER NOT NULL DEFAULT 0,
            retries_used INTEGER NOT NULL DEFAULT 0,
            backoff_base REAL NOT NULL,
            backoff_factor REAL NOT NULL,
            backoff_cap REAL NOT NULL,
            timeout REAL,
            requeue_on_interrupt INTEGER NOT NULL DEFAULT 0,
            idempotency_key TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            run_at REAL,
            started_at REAL,
            finished_at REAL,
            progress_completed INTEGER,
            progress_total INTEGER,
            progress_message TEXT,
            result TEXT,
            error_message TEXT,
            error_type TEXT,
            error_attempt INTEGER,
            saved_state BLOB,
            stop_requested INTEGER NOT NULL DEFAULT 0,
            pause_requested INTEGER NOT NULL DEFAULT 0,
            waiting_reason TEXT
        );
        CREATE INDEX tasks_by_status ON tasks(status, priority DESC, seq);
        CREATE INDEX tasks_by_key ON tasks(idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE INDEX tasks_by_finish ON tasks(finished_at) WHERE finished_at IS NOT NULL;
        CREATE TABLE attempts (
            task_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            started_at REAL NOT NULL,
            ended_at REAL,
            outcome TEXT,
            error TEXT,
            PRIMARY KEY (task_id, attempt)
        ) WITHOUT ROWID;
        CREATE TABLE logs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            task_id TEXT NOT NULL,
            at REAL NOT NULL,
            level TEXT NOT NULL,
            message TEXT NOT NULL
        );
        CREATE INDEX logs_by_task ON logs(task_id, seq);
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            action TEXT NOT NULL,
            task_id TEXT,
            actor TEXT NOT NULL,
            detail TEXT
        );
        """,
        // 2: how many log lines the cap dropped (shown in place), consecutive host deaths while a
        // task ran (the crash-loop rule), a note about the current attempt (saved state dropped),
        // and a one-row table a health check writes to learn whether the database is writable.
        """
        ALTER TABLE tasks ADD COLUMN logs_dropped INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE tasks ADD COLUMN host_deaths INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE tasks ADD COLUMN notice TEXT;
        CREATE TABLE heartbeat (id INTEGER PRIMARY KEY, at REAL NOT NULL);
        """,
        // 3: what `list` and the dashboard search need at a million tasks: newest-first indexes
        // per status and per type, tags in a table of their own, counts per status kept by
        // triggers (no GROUP BY per read), and the audit findable by task (pruned with it).
        """
        CREATE INDEX tasks_list_by_status ON tasks(status, seq);
        CREATE INDEX tasks_list_by_type ON tasks(type, seq);
        CREATE TABLE task_tags (key TEXT NOT NULL, value TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (key, value, seq)) WITHOUT ROWID;
        CREATE INDEX task_tags_by_seq ON task_tags(seq);
        INSERT INTO task_tags (key, value, seq) SELECT j.key, j.value, t.seq FROM tasks t, json_each(t.tags) j WHERE json_valid(t.tags);
        CREATE TABLE task_counts (status TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO task_counts (status, count) SELECT status, count(*) FROM tasks GROUP BY status;
        CREATE TRIGGER tasks_after_insert AFTER INSERT ON tasks BEGIN
            INSERT INTO task_counts (status, count) VALUES (new.status, 1) ON CONFLICT (status) DO UPDATE SET count = count + 1;
            INSERT INTO task_tags (key, value, seq) SELECT key, value, new.seq FROM json_each(new.tags) WHERE json_valid(new.tags);
        END;
        CREATE TRIGGER tasks_after_status AFTER UPDATE OF status ON tasks WHEN old.status != new.status BEGIN
            UPDATE task_counts SET count = count - 1 WHERE status = old.status;
            INSERT INTO task_counts (status, count) VALUES (new.status, 1) ON CONFLICT (status) DO UPDATE SET count = count + 1;
        END;
        CREATE TRIGGER tasks_after_delete AFTER DELETE ON tasks BEGIN
            UPDATE task_counts SET count = count - 1 WHERE status = old.status;
            DELETE FROM task_tags WHERE seq = old.seq;
        END;
        CREATE INDEX audit_by_task ON audit(task_id) WHERE task_id IS NOT NULL;
        """,
        // 4: where a task runs (thread or worker process) and the worker's limits.
        """
        ALTER TABLE tasks ADD COLUMN isolation TEXT NOT NULL DEFAULT 'thread';
        ALTER TABLE tasks ADD COLUMN memory_limit INTEGER;
        ALTER TABLE tasks ADD COLUMN cpu_limit INTEGER;
        """,
        // 5: how a shell task's command ended.
        """
        ALTER TABLE tasks ADD COLUMN exit_code INTEGER;
        ALTER TABLE tasks ADD COLUMN exit_signal INTEGER;
        """,
        // 6: schedules. A firing's task carries (schedule_id, scheduled_for), unique: the task and
        // the schedule's advance are written in one transaction, so a firing happens exactly once.
        """
        CREATE TABLE schedules (
            id TEXT PRIMARY KEY,
            name TEXT,
            type TEXT NOT NULL,
            parameters TEXT NOT NULL,
            options TEXT NOT NULL,
            timing TEXT NOT NULL,
            catch_up TEXT NOT NULL,
            max_catch_up INTEGER NOT NULL,
            overlap TEXT NOT NULL,
            paused INTEGER NOT NULL DEFAULT 0,
            next_at REAL,
            queued_for REAL,
            last_fired_for REAL,
            last_task_id TEXT,
            fired INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            last_skip TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        ) WITHOUT ROWID;
        ALTER TABLE tasks ADD COLUMN source TEXT NOT NULL DEFAULT 'manual';
        ALTER TABLE tasks ADD COLUMN schedule_id TEXT;
        ALTER TABLE tasks ADD COLUMN scheduled_for REAL;
        CREATE UNIQUE INDEX tasks_by_firing ON tasks(schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL;
        CREATE INDEX tasks_by_schedule ON tasks(schedule_id, seq) WHERE schedule_id IS NOT NULL;
        """,
        // 7: a new row's count and tags are written by the insert itself, once per batch for the
        // counts: a row trigger more than doubled the cost of each insert (measured: 1,000 inserts
        // 62 ms with it, 24 ms without).
        // tasks_by_status (status, priority, seq) served no query that tasks_list_by_status does not;
        // tasks_by_firing serves `list --schedule` as well as tasks_by_schedule did. Each index on
        // a random key dirties about one page per inserted row.
        """
        DROP TRIGGER tasks_after_insert;
        DROP INDEX tasks_by_status;
        DROP INDEX tasks_by_schedule;
        """,
        // 8: fewer pages written per task. A commit writes every page it dirtied, one per b-tree
        // touched (~20 µs each on these disks), so each index costs every submit a page.
        // Attempts are keyed by the task's seq (a time-ordered key): the attempts of tasks that
        // ended together share a page, where a random task id put each on a page of its own.
        // audit_by_task (a random key) served only prune, which now finds the audit rows of gone
        // tasks in one pass over the audit older than its cutoff.
        """
        CREATE TABLE attempts_by_seq (
            task_seq INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            started_at REAL NOT NULL,
            ended_at REAL,
            outcome TEXT,
            error TEXT,
            PRIMARY KEY (task_seq, attempt)
        ) WITHOUT ROWID;
        INSERT INTO attempts_by_seq (task_seq, attempt, started_at, ended_at, outcome, error)
            SELECT t.seq, a.attempt, a.started_at, a.ended_at, a.outcome, a.error FROM attempts a JOIN tasks t ON t.id = a.task_id;
        DROP TABLE attempts;
        ALTER TABLE attempts_by_seq RENAME TO attempts;
        DROP INDEX audit_by_task;
        """,
        // 9: no AUTOINCREMENT on tasks and audit. It made every insert rewrite its row in
        // sqlite_sequence: one more page in every submit's commit (7 -> 6; measured 125 -> 101 µs
        // per submit on a copy of a W1 database). SQLite now numbers a row max(seq) + 1, so a seq
        // can come back only after the newest row is deleted: a deleted task takes its attempts,
        // tags and logs along (nothing is left to mix up), and the audit prune never deletes the
        // newest audit row. The table is rebuilt, the way SQLite documents for such changes,
        // with the same columns in the same order, then its indexes and triggers are made again.
        """
        CREATE TABLE tasks_rebuilt (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            name TEXT,
            status TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            parameters TEXT NOT NULL,
            tags TEXT NOT NULL DEFAULT '{}',
            attempt INTEGER NOT NULL DEFAULT 0,
            max_retries INTEGER NOT NULL DEFAULT 0,
            retries_used INTEGER NOT NULL DEFAULT 0,
            backoff_base REAL NOT NULL,
            backoff_factor REAL NOT NULL,
            backoff_cap REAL NOT NULL,
            timeout REAL,
            requeue_on_interrupt INTEGER NOT NULL DEFAULT 0,
            idempotency_key TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            run_at REAL,
            started_at REAL,
            finished_at REAL,
            progress_completed INTEGER,
            progress_total INTEGER,
            progress_message TEXT,
            result TEXT,
            error_message TEXT,
            error_type TEXT,
            error_attempt INTEGER,
            saved_state BLOB,
            stop_requested INTEGER NOT NULL DEFAULT 0,
            pause_requested INTEGER NOT NULL DEFAULT 0,
            waiting_reason TEXT,
            logs_dropped INTEGER NOT NULL DEFAULT 0,
            host_deaths INTEGER NOT NULL DEFAULT 0,
            notice TEXT,
            isolation TEXT NOT NULL DEFAULT 'thread',
            memory_limit INTEGER,
            cpu_limit INTEGER,
            exit_code INTEGER,
            exit_signal INTEGER,
            source TEXT NOT NULL DEFAULT 'manual',
            schedule_id TEXT,
            scheduled_for REAL
        );
        INSERT INTO tasks_rebuilt (
            seq, id, type, name, status, priority, parameters, tags, attempt, max_retries, retries_used, backoff_base,
            backoff_factor, backoff_cap, timeout, requeue_on_interrupt, idempotency_key, created_at, updated_at, run_at,
            started_at, finished_at, progress_completed, progress_total, progress_message, result, error_message, error_type,
            error_attempt, saved_state, stop_requested, pause_requested, waiting_reason, logs_dropped, host_deaths, notice,
            isolation, memory_limit, cpu_limit, exit_code, exit_signal, source, schedule_id, scheduled_for)
        SELECT
            seq, id, type, name, status, priority, parameters, tags, attempt, max_retries, retries_used, backoff_base,
            backoff_factor, backoff_cap, timeout, requeue_on_interrupt, idempotency_key, created_at, updated_at, run_at,
            started_at, finished_at, progress_completed, progress_total, progress_message, result, error_message, error_type,
            error_attempt, saved_state, stop_requested, pause_requested, waiting_reason, logs_dropped, host_deaths, notice,
            isolation, memory_limit, cpu_limit, exit_code, exit_signal, source, schedule_id, scheduled_for
        FROM tasks;
        DROP TABLE tasks;
        ALTER TABLE tasks_rebuilt RENAME TO tasks;
        CREATE INDEX tasks_by_key ON tasks(idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE INDEX tasks_by_finish ON tasks(finished_at) WHERE finished_at IS NOT NULL;
        CREATE INDEX tasks_list_by_status ON tasks(status, seq);
        CREATE INDEX tasks_list_by_type ON tasks(type, seq);
        CREATE UNIQUE INDEX tasks_by_firing ON tasks(schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL;
        CREATE TRIGGER tasks_after_status AFTER UPDATE OF status ON tasks WHEN old.status != new.status BEGIN
            UPDATE task_counts SET count = count - 1 WHERE status = old.status;
            INSERT INTO task_counts (status, count) VALUES (new.status, 1) ON CONFLICT (status) DO UPDATE SET count = count + 1;
        END;
        CREATE TRIGGER tasks_after_delete AFTER DELETE ON tasks BEGIN
            UPDATE task_counts SET count = count - 1 WHERE status = old.status;
            DELETE FROM task_tags WHERE seq = old.seq;
        END;
        CREATE TABLE audit_rebuilt (
            seq INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            action TEXT NOT NULL,
            task_id TEXT,
            actor TEXT NOT NULL,
            detail TEXT
        );
        INSERT INTO audit_rebuilt (seq, at, action, task_id, actor, detail) SELECT seq, at, action, task_id, actor, detail FROM audit;
        DROP TABLE audit;
        ALTER TABLE audit_rebuilt RENAME TO audit;
        DELETE FROM sqlite_sequence WHERE name IN ('tasks', 'audit');
        """,
    ]

    /// The schema version this build writes.
    static var currentVersion: Int { migrations.count }
}
