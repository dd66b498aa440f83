import Foundation

/// Next-firing math. Candidates are walked in local wall-clock time (skipping whole months, days, hours that
/// cannot match) and each is mapped to an instant by hand, so DST gaps and repeats behave the same on every
/// platform instead of depending on how `Calendar` resolves them:
/// - a wall time inside a spring-forward gap fires at the end of the gap (several such times fire once);
/// - a wall time that occurs twice (fall-back) fires at its first occurrence only.
extension CronExpression {
    /// How far ahead to look. More than 10 years because an AND of February 29 with a weekday (`0 0 29 2 */7`)
    /// can take 40 years to come round; never-firing expressions are already refused at parse time.
    static let searchHorizonYears = 50

    /// The first firing strictly after `date`, in the wall-clock time of `timeZone`; nil past the search horizon
    /// or for dates too far from the present era (beyond about year ±9000) to compute in.
    public func nextFiring(after date: Date, in timeZone: TimeZone) -> Date? {
        let now = date.timeIntervalSince1970
        guard now.isFinite, abs(now) < 2.5e11 else { return nil }
        let nowSeconds = Int(now.rounded(.down))
        let zone = ZoneOffsets(timeZone)
        var local = nowSeconds + zone.offset(at: nowSeconds)
        let lastYear = WallClock(localSeconds: local).year + Self.searchHorizonYears
        // Every round either returns or moves `local` forward; only the first candidate (same second as `date`)
        // and whole DST gaps or repeats can be passed over, so a handful of rounds is the norm.
        for _ in 0..<1_000 {
            guard let candidate = nextMatchingWallClock(from: WallClock(localSeconds: local), throughYear: lastYear) else {
                return nil
            }
            let candidateLocal = candidate.localSeconds
            switch zone.resolve(localSeconds: candidateLocal) {
            case .unique(let instant):
                if Double(instant) > now { return Date(timeIntervalSince1970: Double(instant)) }
                local = candidateLocal + 1
            case .repeated(let first, let firstOffset, let second):
                if Double(first) > now { return Date(timeIntervalSince1970: Double(first)) }
                // The rest of the repeated stretch whose first occurrence is already past fires no more.
                let transition = zone.transition(from: first, to: second)
                local = max(candidateLocal + 1, min(nowSeconds + 1, transition) + firstOffset)
            case .skipped(let gapEnd, let gapEndLocal):
                if Double(gapEnd) > now { return Date(timeIntervalSince1970: Double(gapEnd)) }
                local = max(candidateLocal + 1, gapEndLocal)  // all of the gap maps to the same, past instant
            }
        }
        return nil
    }

    /// The next `count` firings (clamped to 1...10_000) strictly after `date`; shorter if the schedule runs out.
    public func firings(after date: Date, in timeZone: TimeZone, count: Int) -> [Date] {
        let wanted = min(max(count, 1), 10_000)
        var result: [Date] = []
        result.reserveCapacity(wanted)
        var cursor = date
        while result.count < wanted, let next = nextFiring(after: cursor, in: timeZone) {
            result.append(next)
            cursor = next
        }
        return result
    }

    /// Resolves an IANA time zone name such as `Europe/Berlin` or `UTC`.
    public static func zone(_ identifier: String) throws(CronError) -> TimeZone {
        guard identifier.utf8.count <= 200, let zone = TimeZone(identifier: identifier) else {
            throw CronError("unknown time zone \(CronError.quote(identifier)); use an IANA name such as Europe/Berlin or UTC")
        }
        return zone
    }

    /// The earliest wall-clock time ≥ `start` that matches every field, or nil after `lastYear`.
    func nextMatchingWallClock(from start: WallClock, throughYear lastYear: Int) -> WallClock? {
        var clock = start
        // Each round fixes one field or carries into a larger one; all carries end in a year that is bounded.
        while clock.year <= lastYear {
            guard let month = months.next(from: clock.month) else {
                clock = WallClock(year: clock.year + 1, month: 1, day: 1)
                continue
            }
            if month != clock.month { clock = WallClock(year: clock.year, month: month, day: 1) }
            guard let day = nextMatchingDay(year: clock.year, month: clock.month, from: clock.day) else {
                clock = clock.month == 12
                    ? WallClock(year: clock.year + 1, month: 1, day: 1)
                    : WallClock(year: clock.year, month: clock.month + 1, day: 1)
                continue
            }
            if day != clock.day { clock = WallClock(year: clock.year, month: clock.month, day: day) }
            guard let hour = hours.next(from: clock.hour) else {
                clock = WallClock(year: clock.year, month: clock.month, day: clock.day + 1)  // may overflow the month: the day check carries
                continue
            }
            if hour != clock.hour { clock.setTime(hour: hour, minute: 0, second: 0) }
            guard let minute = minutes.next(from: clock.minute) else {
                clock.setTime(hour: clock.hour + 1, minute: 0, second: 0)  // hour 24 finds no match and carries to the next day
                continue
            }
            if minute != clock.minute { clock.setTime(hour: clock.hour, minute: minute, second: 0) }
            guard let second = seconds.next(from: clock.second) else {
                clock.setTime(hour: clock.hour, minute: clock.minute + 1, second: 0)
                continue
            }
            clock.setTime(hour: clock.hour, minute: clock.minute, second: second)
            return clock
        }
        return nil
    }

    /// The first day ≥ `from` in this month that passes the day rule.
    private func nextMatchingDay(year: Int, month: Int, from: Int) -> Int? {
        let lastDay = CivilDate.daysInMonth(year: year, month: month)
        guard from <= lastDay else { return nil }
        var weekday = CivilDate.weekday(ofDayNumber: CivilDate.dayNumber(year: year, month: month, day: from))
        for day in from...lastDay {
            let dayOfMonthMatches = daysOfMonth.contains(day)
            let dayOfWeekMatches = daysOfWeek.contains(weekday)
            if daysCombineWithOr ? (dayOfMonthMatches || dayOfWeekMatches) : (dayOfMonthMatches && dayOfWeekMatches) {
                return day
            }
            weekday = weekday == 6 ? 0 : weekday + 1
        }
        return nil
    }
}

/// A local wall-clock time, without a zone. `localSeconds` counts as if the wall clock were UTC.
struct WallClock: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour = 0
    var minute = 0
    var second = 0

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    init(localSeconds: Int) {
        let dayNumber = CivilDate.floorDivide(localSeconds, 86_400)
        let secondOfDay = localSeconds - dayNumber * 86_400
        (year, month, day) = CivilDate.date(ofDayNumber: dayNumber)
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
    }

    mutating func setTime(hour: Int, minute: Int, second: Int) {
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    var localSeconds: Int {
        CivilDate.dayNumber(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }
}

/// Proleptic Gregorian arithmetic on day numbers (days since 1970-01-01), after Howard Hinnant's
/// `days_from_civil`: exact, allocation-free and independent of any `Calendar` configuration.
enum CivilDate {
    static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year  // years start in March so February's length comes last
        let era = floorDivide(shiftedYear, 400)
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func date(ofDayNumber dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = dayNumber + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// 0 = Sunday ... 6 = Saturday; 1970-01-01 was a Thursday.
    static func weekday(ofDayNumber dayNumber: Int) -> Int {
        let remainder = (dayNumber + 4) % 7
        return remainder < 0 ? remainder + 7 : remainder
    }
}

/// UTC offsets of one zone, and the mapping from a local wall-clock second to an instant.
struct ZoneOffsets {
    /// How a local wall-clock time maps to instants (all in whole seconds since 1970).
    enum Resolution: Equatable {
        case unique(Int)
        /// Fall-back: the time happens twice; `firstOffset` is the UTC offset in force at `first`.
        case repeated(first: Int, firstOffset: Int, second: Int)
        /// Spring-forward: the time never happens; the gap ends at instant `gapEnd`, wall clock `gapEndLocal`.
        case skipped(gapEnd: Int, gapEndLocal: Int)
    }

    let timeZone: TimeZone

    init(_ timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    func offset(at instant: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant)))
    }

    /// Tries the offsets in force a day before and a day after (real offsets stay within ±18 h, so those
    /// probes straddle any transition near `localSeconds`) and keeps the ones that round-trip.
    func resolve(localSeconds local: Int) -> Resolution {
        let earlierOffset = offset(at: local - 86_400)
        let laterOffset = offset(at: local + 86_400)
        let earlierCandidate = local - earlierOffset
        let earlierFits = offset(at: earlierCandidate) == earlierOffset
        if earlierOffset == laterOffset {
            if earlierFits { return .unique(earlierCandidate) }
            // Two transitions within two days (odd tz data): settle for the offset at the first guess.
            let retryOffset = offset(at: earlierCandidate)
            return .unique(local - retryOffset)
        }
        let laterCandidate = local - laterOffset
        let laterFits = offset(at: laterCandidate) == laterOffset
        switch (earlierFits, laterFits) {
        case (true, true):
            return earlierCandidate <= laterCandidate
                ? .repeated(first: earlierCandidate, firstOffset: earlierOffset, second: laterCandidate)
                : .repeated(first: laterCandidate, firstOffset: laterOffset, second: earlierCandidate)
        case (true, false):
            return .unique(earlierCandidate)
        case (false, true):
            return .unique(laterCandidate)
        case (false, false):
            let gapEnd = transition(from: min(earlierCandidate, laterCandidate), to: max(earlierCandidate, laterCandidate))
            return .skipped(gapEnd: gapEnd, gapEndLocal: gapEnd + offset(at: gapEnd))
        }
    }

    /// The first instant in `(from, to]` whose offset differs from the one at `from`, by bisection
    /// (the interval is one DST shift, so about a dozen probes); `to` if there is none.
    func transition(from: Int, to: Int) -> Int {
        let startOffset = offset(at: from)
        var low = from
        var high = to
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(at: middle) == startOffset { low = middle } else { high = middle }
        }
        return high
    }
}
