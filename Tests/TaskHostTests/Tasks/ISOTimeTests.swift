import Foundation
import TaskHost
import Testing

/// One way to write and read instants.
@Suite("ISO 8601 times")
struct ISOTimeTests {
    @Test("UTC with fractions only when there are some; local with the zone's offset; parsing with or without fractions")
    func roundTrips() throws {
        let whole = Date(timeIntervalSince1970: 1_774_747_200)
        #expect(ISOTime.utc(whole) == "2026-03-29T01:20:00Z")
        #expect(ISOTime.utc(whole.addingTimeInterval(0.25)) == "2026-03-29T01:20:00.250Z")
        #expect(ISOTime.utc(whole.addingTimeInterval(0.25), wholeSeconds: true) == "2026-03-29T01:20:00Z")
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        #expect(ISOTime.text(whole, in: berlin) == "2026-03-29T03:20:00+02:00")
        #expect(ISOTime.date("2026-03-29T01:20:00Z") == whole)
        #expect(ISOTime.date("2026-03-29T03:20:00+02:00") == whole)
        #expect(ISOTime.date("2026-03-29T01:20:00.250Z") == whole.addingTimeInterval(0.25))
        #expect(ISOTime.date("yesterday") == nil && ISOTime.date("2026-03-29") == nil)
    }
}
