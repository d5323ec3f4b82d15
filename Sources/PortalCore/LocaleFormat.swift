import Foundation

/// Dates and numbers the way a language writes them ("9 listopada 2024", "804 237").
public struct LocaleFormat: Sendable {
    public let locale: Locale
    private let dateStyle: Date.FormatStyle
    private let numberStyle: IntegerFormatStyle<Int>
    private let decimalStyle: FloatingPointFormatStyle<Double>
    private static let utc = TimeZone(identifier: "UTC")!

    /// - Parameter identifier: a BCP 47 tag such as `pl-PL`.
    public init(identifier: String) {
        locale = Locale(identifier: identifier)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.utc
        dateStyle = Date.FormatStyle(date: .long, time: .omitted, locale: locale, calendar: calendar, timeZone: Self.utc)
        numberStyle = IntegerFormatStyle<Int>.number.locale(locale)
        decimalStyle = FloatingPointFormatStyle<Double>.number.locale(locale)
    }

    /// A calendar date (no time of day: pages carry dates, readers do not need the hour).
    public func date(year: Int, month: Int, day: Int) -> String {
        var components = DateComponents()
        components.year = year; components.month = month; components.day = day; components.hour = 12
        components.timeZone = Self.utc
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.utc
        guard let date = calendar.date(from: components) else { return "\(year)-\(month)-\(day)" }
        return date.formatted(dateStyle)
    }

    public func number(_ value: Int) -> String { value.formatted(numberStyle) }

    public func decimal(_ value: Double) -> String { value.formatted(decimalStyle) }
}
