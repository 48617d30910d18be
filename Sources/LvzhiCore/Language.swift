/// The language of user-facing text. Simplified Chinese is the default.
public enum Language: String, Sendable, CaseIterable {
    case zh
    case en

    /// Picks the text for this language.
    @inlinable
    public func pick(_ zh: String, _ en: String) -> String { self == .zh ? zh : en }
}
