import Foundation
import TaskHost
import Testing

/// One expected run of firings: an expression in a zone, the instant to start after, and the UTC results.
struct CronFiringCase: Sendable, CustomTestStringConvertible {
    let expression: String
    let zone: String
    let after: String
    let expected: [String]
    var testDescription: String { "'\(expression)' in \(zone) after \(after)" }
}

/// An input that must be refused, and the message it must produce (exactly, or as a prefix).
struct CronRefusalCase: Sendable, CustomTestStringConvertible {
    let input: String
    let message: String
    var exact = true
    var testDescription: String { "'\(input)'" }
}

/// ISO-8601 UTC text ↔ Date, so expectations read like the requirements and failures print readably.
private func instant(_ text: String) throws -> Date { try Date(text, strategy: .iso8601) }
private func iso(_ date: Date) -> String { date.formatted(.iso8601) }

/// The firings as ISO strings; an unknown zone or a bad expression fails the test.
private func firingTexts(_ expression: String, zone: String, after: String, count: Int) throws -> [String] {
    let cron = try CronExpression(expression)
    return cron.firings(after: try instant(after), in: try CronExpression.zone(zone), count: count).map(iso)
}

@Suite("Cron expressions: parsing, DST-aware firing, schedule timing")
struct CronTests {
    // MARK: Firing tables

    static let daylightSavingCases: [CronFiringCase] = [
        // Berlin spring-forward (2026-03-29 02:00 CET → 03:00 CEST): 02:30 does not exist, fires at the gap's end.
        CronFiringCase(expression: "30 2 * * *", zone: "Europe/Berlin", after: "2026-03-28T00:00:00Z",
                   expected: ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]),
        // Berlin fall-back (2026-10-25 03:00 CEST → 02:00 CET): 02:30 happens twice, fires at the first only.
        CronFiringCase(expression: "30 2 * * *", zone: "Europe/Berlin", after: "2026-10-24T00:00:00Z",
                   expected: ["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]),
        // Hourly across spring-forward: local 02:00 does not exist and maps onto 03:00 — one firing, no duplicate.
        CronFiringCase(expression: "0 * * * *", zone: "Europe/Berlin", after: "2026-03-28T22:30:00Z",
                   expected: ["2026-03-28T23:00:00Z", "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z",
                              "2026-03-29T02:00:00Z", "2026-03-29T03:00:00Z"]),
        // Hourly across fall-back: 02:00 CEST fires, the repeated 02:00 CET (01:00Z) does not, then 03:00 CET.
        CronFiringCase(expression: "0 * * * *", zone: "Europe/Berlin", after: "2026-10-24T22:30:00Z",
                   expected: ["2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z",
                              "2026-10-25T03:00:00Z", "2026-10-25T04:00:00Z"]),
        // New York spring-forward (2026-03-08 02:00 EST → 03:00 EDT = 07:00Z).
        CronFiringCase(expression: "30 2 * * *", zone: "America/New_York", after: "2026-03-07T00:00:00Z",
                   expected: ["2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"]),
        CronFiringCase(expression: "0 1 * * *", zone: "America/New_York", after: "2026-03-07T00:00:00Z",
                   expected: ["2026-03-07T06:00:00Z", "2026-03-08T06:00:00Z", "2026-03-09T05:00:00Z"]),
        // New York fall-back (2026-11-01 02:00 EDT → 01:00 EST): 01:00 repeats and fires at 05:00Z only.
        CronFiringCase(expression: "0 1 * * *", zone: "America/New_York", after: "2026-10-31T00:00:00Z",
                   expected: ["2026-10-31T05:00:00Z", "2026-11-01T05:00:00Z", "2026-11-02T06:00:00Z"]),
        CronFiringCase(expression: "30 2 * * *", zone: "America/New_York", after: "2026-10-31T00:00:00Z",
                   expected: ["2026-10-31T06:30:00Z", "2026-11-01T07:30:00Z", "2026-11-02T07:30:00Z"]),
    ]

    static let utcCases: [CronFiringCase] = [
        CronFiringCase(expression: "*/15 * * * *", zone: "UTC", after: "2026-01-01T00:00:00Z",
                   expected: ["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z", "2026-01-01T01:00:00Z"]),
        // 2026-01-02 is a Friday: after its 09:00 the next weekday is Monday the 5th.
        CronFiringCase(expression: "0 9 * * MON-FRI", zone: "UTC", after: "2026-01-02T10:00:00Z",
                   expected: ["2026-01-05T09:00:00Z", "2026-01-06T09:00:00Z", "2026-01-07T09:00:00Z",
                              "2026-01-08T09:00:00Z", "2026-01-09T09:00:00Z", "2026-01-12T09:00:00Z"]),
        CronFiringCase(expression: "0 0 1 * *", zone: "UTC", after: "2026-01-15T00:00:00Z",
                   expected: ["2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"]),
        // 2026-01-01 is a Thursday; @weekly is Sunday midnight.
        CronFiringCase(expression: "@weekly", zone: "UTC", after: "2026-01-01T00:00:00Z",
                   expected: ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"]),
        CronFiringCase(expression: "@yearly", zone: "UTC", after: "2026-01-01T00:00:00Z",
                   expected: ["2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"]),
        CronFiringCase(expression: "@hourly", zone: "UTC", after: "2026-01-01T00:59:59Z",
                   expected: ["2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"]),
        CronFiringCase(expression: "@daily", zone: "UTC", after: "2026-01-01T00:00:00Z",
                   expected: ["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]),
        CronFiringCase(expression: "*/10 * * * * *", zone: "UTC", after: "2026-01-01T00:00:05Z",
                   expected: ["2026-01-01T00:00:10Z", "2026-01-01T00:00:20Z", "2026-01-01T00:00:30Z",
                              "2026-01-01T00:00:40Z", "2026-01-01T00:00:50Z", "2026-01-01T00:01:00Z"]),
        CronFiringCase(expression: "0 0 29 2 *", zone: "UTC", after: "2026-03-01T00:00:00Z",
                   expected: ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]),
        // Both day fields restricted → OR: every Friday of April 2026 plus Monday the 13th.
        CronFiringCase(expression: "0 0 13 * FRI", zone: "UTC", after: "2026-04-01T00:00:00Z",
                   expected: ["2026-04-03T00:00:00Z", "2026-04-10T00:00:00Z", "2026-04-13T00:00:00Z",
                              "2026-04-17T00:00:00Z", "2026-04-24T00:00:00Z", "2026-05-01T00:00:00Z"]),
        // Day-of-month starts with `*` → AND: odd days that are also Fridays.
        CronFiringCase(expression: "0 0 */2 * FRI", zone: "UTC", after: "2026-04-01T00:00:00Z",
                   expected: ["2026-04-03T00:00:00Z", "2026-04-17T00:00:00Z", "2026-05-01T00:00:00Z"]),
        CronFiringCase(expression: "0 0 * * 7", zone: "UTC", after: "2026-01-01T00:00:00Z",
                   expected: ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"]),
        CronFiringCase(expression: "0 0 * * 0", zone: "UTC", after: "2026-01-01T00:00:00Z",
                   expected: ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"]),
        CronFiringCase(expression: "0 0 * * fri-SUN", zone: "UTC", after: "2026-01-01T00:00:00Z",
                   expected: ["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z", "2026-01-09T00:00:00Z"]),
        CronFiringCase(expression: "0 12 1 jan,Jul *", zone: "UTC", after: "2026-01-01T12:00:00Z",
                   expected: ["2026-07-01T12:00:00Z", "2027-01-01T12:00:00Z"]),
        CronFiringCase(expression: "5/20 * * * *", zone: "UTC", after: "2026-01-01T00:00:00Z",
                   expected: ["2026-01-01T00:05:00Z", "2026-01-01T00:25:00Z", "2026-01-01T00:45:00Z", "2026-01-01T01:05:00Z"]),
        CronFiringCase(expression: "0 8-18/5 * * *", zone: "UTC", after: "2026-01-01T00:00:00Z",
                   expected: ["2026-01-01T08:00:00Z", "2026-01-01T13:00:00Z", "2026-01-01T18:00:00Z", "2026-01-02T08:00:00Z"]),
        CronFiringCase(expression: "0,30 1-2,*/12 ? * *", zone: "UTC", after: "2026-01-01T00:00:00Z",
                   expected: ["2026-01-01T00:30:00Z", "2026-01-01T01:00:00Z", "2026-01-01T01:30:00Z", "2026-01-01T02:00:00Z",
                              "2026-01-01T02:30:00Z", "2026-01-01T12:00:00Z"]),
        CronFiringCase(expression: "  0\t0   1  1 *  ", zone: "UTC", after: "2026-06-01T00:00:00Z",
                   expected: ["2027-01-01T00:00:00Z"]),
        // Strictly after: a firing exactly at `after` is not returned, one just before it is the next.
        CronFiringCase(expression: "0 0 * * *", zone: "UTC", after: "2026-01-01T00:00:00Z",
                   expected: ["2026-01-02T00:00:00Z"]),
        CronFiringCase(expression: "0 0 * * *", zone: "UTC", after: "2025-12-31T23:59:59Z",
                   expected: ["2026-01-01T00:00:00Z"]),
        // A fixed-offset zone shifts every firing by its offset.
        CronFiringCase(expression: "0 9 * * *", zone: "Asia/Kolkata", after: "2026-01-01T00:00:00Z",
                   expected: ["2026-01-01T03:30:00Z", "2026-01-02T03:30:00Z"]),
    ]

    @Test("firings across DST changes", arguments: daylightSavingCases)
    func daylightSaving(_ testCase: CronFiringCase) throws {
        let actual = try firingTexts(testCase.expression, zone: testCase.zone, after: testCase.after, count: testCase.expected.count)
        #expect(actual == testCase.expected)
    }

    @Test("firings in UTC and fixed-offset zones", arguments: utcCases)
    func utc(_ testCase: CronFiringCase) throws {
        let actual = try firingTexts(testCase.expression, zone: testCase.zone, after: testCase.after, count: testCase.expected.count)
        #expect(actual == testCase.expected)
    }

    @Test("hourly in Berlin over a whole year: one firing per existing local hour, none twice")
    func hourlyBerlinYear() throws {
        let berlin = try CronExpression.zone("Europe/Berlin")
        let start = try instant("2026-01-01T00:00:00Z")
        let all = try CronExpression("0 * * * *").firings(after: start, in: berlin, count: 10_000)
        let gaps = zip(all, all.dropFirst()).map { $1.timeIntervalSince($0) }
        // Every step is one hour, except the fall-back where the repeated 02:00 CET is skipped (two hours).
        #expect(gaps.filter { $0 != 3600 } == [7200])
        #expect(all.contains(try instant("2026-10-25T00:00:00Z")))
        #expect(!all.contains(try instant("2026-10-25T01:00:00Z")))
        #expect(Set(all).count == all.count)
    }

    @Test("nextFiring and firings agree, and results are strictly increasing")
    func consistency() throws {
        let zone = try CronExpression.zone("America/New_York")
        let cron = try CronExpression("*/7 1-3 * * *")
        var cursor = try instant("2026-10-31T00:00:00Z")
        let batch = cron.firings(after: cursor, in: zone, count: 100)
        for expected in batch {
            let next = try #require(cron.nextFiring(after: cursor, in: zone))
            #expect(next == expected)
            #expect(next > cursor)
            cursor = next
        }
        #expect(cron.firings(after: cursor, in: zone, count: 0).count == 1)
        #expect(cron.firings(after: cursor, in: zone, count: 50_000).count == 10_000)
    }

    @Test("typical calls are cheap: 10,000 each of a per-5-seconds and a daily DST-zone schedule")
    func speed() throws {
        let berlin = try CronExpression.zone("Europe/Berlin")
        let everyFiveSeconds = try CronExpression("*/5 * * * * *")
        let nightly = try CronExpression("30 2 * * *")
        var cursor = try instant("2026-03-28T00:00:00Z")
        var found = 0
        let elapsed = ContinuousClock().measure {
            for _ in 0..<10_000 {
                if let next = everyFiveSeconds.nextFiring(after: cursor, in: berlin) { cursor = next; found += 1 }
            }
            for _ in 0..<10_000 {
                if let next = nightly.nextFiring(after: cursor, in: berlin) { cursor = next; found += 1 }
            }
        }
        #expect(found == 20_000)
        #expect(elapsed < .seconds(5))  // loose on purpose: the real cost is a few µs per call
    }

    // MARK: Refusals

    static let refusalCases: [CronRefusalCase] = [
        CronRefusalCase(input: "61 * * * *", message: "minute 61 is out of range 0-59"),
        CronRefusalCase(input: "0 5-2 * * *", message: "hour range 5-2 is reversed"),
        CronRefusalCase(input: "0 0 * * xyz", message: "day-of-week 'xyz' is neither a number nor a name (SUN-SAT)"),
        CronRefusalCase(input: "0 0 * foo *", message: "month 'foo' is neither a number nor a name (JAN-DEC)"),
        CronRefusalCase(input: "*/0 * * * *", message: "step 0 in minute '*/0' must be at least 1"),
        CronRefusalCase(input: "*/61 * * * *", message: "step 61 in minute '*/61' is out of range 1-60"),
        CronRefusalCase(input: "a b c", message: "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field, got 3: 'a b c'"),
        CronRefusalCase(input: "1 2 3 4 5 6 7", message: "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field, got 7: '1 2 3 4 5 6 7'"),
        CronRefusalCase(input: "@fortnightly", message: "unknown macro '@fortnightly'; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"),
        CronRefusalCase(input: "@daily 5", message: "unknown macro '@daily 5'", exact: false),
        CronRefusalCase(input: "", message: "empty cron expression", exact: false),
        CronRefusalCase(input: " \t\n ", message: "empty cron expression", exact: false),
        CronRefusalCase(input: "1x * * * *", message: "minute '1x' is not a number"),
        CronRefusalCase(input: "0 0 30 2 *", message: "never fires: day-of-month 30 does not occur in February"),
        CronRefusalCase(input: "0 0 31 4 *", message: "never fires: day-of-month 31 does not occur in April"),
        CronRefusalCase(input: "0 0 31 4,6,SEP *", message: "never fires: day-of-month 31 does not occur in April, June or September"),
        CronRefusalCase(input: "0 0 30-31 2 *", message: "never fires: no date matches day-of-month '30-31' and month '2'"),
        CronRefusalCase(input: "0 0 30 2 ?", message: "never fires: day-of-month 30 does not occur in February"),
        CronRefusalCase(input: "? * * * *", message: "'?' is only allowed in day-of-month and day-of-week, not in minute"),
        CronRefusalCase(input: "60 * * * * *", message: "second 60 is out of range 0-59"),
        CronRefusalCase(input: "0 24 * * *", message: "hour 24 is out of range 0-23"),
        CronRefusalCase(input: "0 0 0 * *", message: "day-of-month 0 is out of range 1-31"),
        CronRefusalCase(input: "0 0 * 13 *", message: "month 13 is out of range 1-12"),
        CronRefusalCase(input: "0 0 * * 8", message: "day-of-week 8 is out of range 0-7"),
        CronRefusalCase(input: "99999999999999999999 * * * *", message: "minute 99999999999999999999 is out of range 0-59"),
        CronRefusalCase(input: "*/99999999999999999999 * * * *", message: "step 99999999999999999999 in minute '*/99999999999999999999' is out of range 1-60"),
        CronRefusalCase(input: "1-2-3 * * * *", message: "minute '1-2-3' is not a valid range; write a-b"),
        CronRefusalCase(input: ",,, * * * *", message: "minute ',,,' has an empty list item"),
        CronRefusalCase(input: "-5 * * * *", message: "minute '-5' is missing a value"),
        CronRefusalCase(input: "1/2/3 * * * *", message: "minute '1/2/3' has more than one '/'"),
        CronRefusalCase(input: "1/ * * * *", message: "minute '1/' is missing its step after '/'"),
        CronRefusalCase(input: "*/x * * * *", message: "step 'x' in minute '*/x' is not a number"),
        CronRefusalCase(input: "٣ * * * *", message: "minute '٣' is not a number"),
    ]

    @Test("refusals name the field and the problem", arguments: refusalCases)
    func refusal(_ testCase: CronRefusalCase) {
        let error = #expect(throws: CronError.self) { _ = try CronExpression(testCase.input) }
        let message = error?.message ?? ""
        if testCase.exact {
            #expect(message == testCase.message)
        } else {
            #expect(message.hasPrefix(testCase.message), "got: \(message)")
        }
    }

    @Test("the same day in months that have it, or OR-ed with a weekday, is accepted")
    func acceptedDayCombinations() throws {
        for text in ["0 0 29 2 *", "0 0 31 1-2 *", "0 0 30 2 MON", "0 0 31 * *", "0 0 31 12 *"] {
            #expect(throws: Never.self) { _ = try CronExpression(text) }
        }
    }

    @Test("unknown time zones are refused with a hint")
    func unknownZone() {
        #expect(throws: CronError("unknown time zone 'Mars/Base'; use an IANA name such as Europe/Berlin or UTC")) {
            _ = try CronExpression.zone("Mars/Base")
        }
        #expect((try? CronExpression.zone("Europe/Berlin"))?.identifier == "Europe/Berlin")
    }

    @Test("messages quote at most about 80 characters of the input")
    func clippedMessages() {
        let long = String(repeating: "7", count: 500) + " * * * *"
        do {
            _ = try CronExpression(long)
            Issue.record("accepted \(long)")
        } catch {
            #expect(error.message.count < 130)
            #expect(error.message.hasPrefix("minute 777"))
        }
        let manyFields = String(repeating: "x ", count: 300)
        #expect(((try? CronExpression(manyFields)) == nil))
        do { _ = try CronExpression(manyFields) } catch { #expect(error.message.count < 200) }
    }

    @Test("hostile inputs are refused or parsed, never crash")
    func hostileInputs() throws {
        var inputs = [
            "99999999999999999999 * * * *", "*/99999999999999999999 * * * *", "1-2-3 * * * *", ",,, * * * *",
            "🕐 * * * *", "* * * * 🎉", "👨‍👩‍👧 👨‍👩‍👧 👨‍👩‍👧 👨‍👩‍👧 👨‍👩‍👧", "@🎉", "@", "*/", "/", "-", "*-*", "?/?",
            "-9223372036854775808 * * * *", "9223372036854775807 * * * *", "0-9223372036854775807 * * * *",
            "\u{0} * * * *", "* * * * *\u{200B}", String(repeating: "*", count: 5000),
        ]
        // Deterministic pseudo-random 200-character garbage from cron-ish and not-so-cron-ish characters.
        let alphabet = Array("0123456789*/-,? @abcdefghijklmnopqrstuvwxyzJANFEBMONSUN\t\n😀é")
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<300 {
            var text = ""
            for _ in 0..<200 {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                text.append(alphabet[Int((seed >> 33) % UInt64(alphabet.count))])
            }
            inputs.append(text)
        }
        let berlin = try CronExpression.zone("Europe/Berlin")
        let start = try instant("2026-01-01T00:00:00Z")
        for input in inputs {
            do {
                let cron = try CronExpression(input)
                if let next = cron.nextFiring(after: start, in: berlin) { #expect(next > start) }
            } catch {
                #expect(!error.message.isEmpty)
                #expect(error.message.count < 400)
            }
        }
    }

    @Test("extreme dates return nil instead of trapping")
    func extremeDates() throws {
        let cron = try CronExpression("* * * * *")
        let utc = try CronExpression.zone("UTC")
        #expect(cron.nextFiring(after: .distantFuture, in: utc) != nil)
        #expect(cron.nextFiring(after: Date(timeIntervalSince1970: 1e300), in: utc) == nil)
        #expect(cron.nextFiring(after: Date(timeIntervalSince1970: .infinity), in: utc) == nil)
        #expect(cron.nextFiring(after: Date(timeIntervalSince1970: .nan), in: utc) == nil)
    }

    // MARK: Model

    @Test("description is the original text; equality and hashing follow the text")
    func descriptionAndEquality() throws {
        let text = "  0 9 * * MON-FRI "
        let cron = try CronExpression(text)
        #expect(cron.description == text)
        #expect("\(cron)" == text)
        #expect(try CronExpression("0 9 * * 1-5") == CronExpression("0 9 * * 1-5"))
        #expect(try CronExpression("0 9 * * 1-5") != CronExpression("0 9 * * MON-FRI"))
        #expect(Set([try CronExpression("@daily"), try CronExpression("@daily")]).count == 1)
    }

    // MARK: ScheduleTiming

    @Test("interval schedules fire at anchor + k·seconds, k ≥ 1, strictly after the given time")
    func intervalTiming() throws {
        let anchor = Date(timeIntervalSince1970: 1_000)
        let every = try ScheduleTiming(everySeconds: 600, anchor: anchor)
        #expect(every.nextFiring(after: Date(timeIntervalSince1970: 0))?.timeIntervalSince1970 == 1_600)
        #expect(every.nextFiring(after: anchor)?.timeIntervalSince1970 == 1_600)
        #expect(every.nextFiring(after: Date(timeIntervalSince1970: 1_599.5))?.timeIntervalSince1970 == 1_600)
        #expect(every.nextFiring(after: Date(timeIntervalSince1970: 1_600))?.timeIntervalSince1970 == 2_200)
        #expect(every.nextFiring(after: Date(timeIntervalSince1970: 1_000_000))?.timeIntervalSince1970 == 1_000_600)
        // Out-of-reach or invalid values give nil, not a trap.
        #expect(ScheduleTiming.every(seconds: 0, anchor: anchor).nextFiring(after: anchor) == nil)
        #expect(ScheduleTiming.every(seconds: 1, anchor: anchor).nextFiring(after: Date(timeIntervalSince1970: 1e300)) == nil)
        #expect(ScheduleTiming.every(seconds: Int.max, anchor: anchor).nextFiring(after: anchor) != nil)
        #expect(throws: CronError.self) { _ = try ScheduleTiming(everySeconds: 0, anchor: anchor) }
        #expect(throws: CronError.self) { _ = try ScheduleTiming(everySeconds: 1, anchor: Date(timeIntervalSince1970: .nan)) }
    }

    @Test("cron schedules fire in their zone and refuse unknown zones")
    func cronTiming() throws {
        let nightly = try ScheduleTiming(cron: "30 2 * * *", timeZone: "Europe/Berlin")
        #expect(nightly.nextFiring(after: try instant("2026-03-28T12:00:00Z")).map(iso) == "2026-03-29T01:00:00Z")
        #expect(throws: CronError.self) { _ = try ScheduleTiming(cron: "30 2 * * *", timeZone: "Mars/Base") }
        #expect(throws: CronError.self) { _ = try ScheduleTiming(cron: "61 * * * *", timeZone: "UTC") }
    }

    @Test("JSON shapes round-trip and invalid documents are refused")
    func timingJSON() throws {
        let decoder = JSONDecoder()
        let cron = try decoder.decode(ScheduleTiming.self, from: Data(#"{"cron": "30 2 * * *", "timeZone": "Europe/Berlin"}"#.utf8))
        #expect(cron == .cron(try CronExpression("30 2 * * *"), timeZone: "Europe/Berlin"))
        let every = try decoder.decode(ScheduleTiming.self, from: Data(#"{"everySeconds": 600, "anchor": 1767225600}"#.utf8))
        #expect(every == .every(seconds: 600, anchor: Date(timeIntervalSince1970: 1_767_225_600)))
        for timing in [cron, every] {
            let data = try JSONEncoder().encode(timing)
            #expect(try decoder.decode(ScheduleTiming.self, from: data) == timing)
        }
        let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(cron)) as? [String: String]
        #expect(object == ["cron": "30 2 * * *", "timeZone": "Europe/Berlin"])
        for bad in [
            #"{"cron": "0 0 30 2 *", "timeZone": "UTC"}"#, #"{"cron": "* * * * *", "timeZone": "Mars/Base"}"#,
            #"{"cron": "* * * * *"}"#, #"{"everySeconds": 0, "anchor": 0}"#, #"{"everySeconds": 60}"#,
            #"{"cron": "* * * * *", "timeZone": "UTC", "everySeconds": 60, "anchor": 0}"#, #"{}"#,
        ] {
            #expect(throws: DecodingError.self) { _ = try decoder.decode(ScheduleTiming.self, from: Data(bad.utf8)) }
        }
    }
}
