/// Bounds on what a workbook may make lvzhi do. Workbooks come from outside (platform
/// exports, e-mail attachments), so a hostile or broken one must fail with a clear message
/// instead of filling the disk, the memory or the afternoon.
public struct XLSXLimits: Sendable, Equatable {
    /// Entries in the ZIP package (a workbook from Excel or WPS has a few dozen).
    public var maxEntries = 10_000
    /// Uncompressed size of the small parts: workbook.xml, relationships, styles.
    public var maxPartBytes: UInt64 = 64 << 20
    /// Uncompressed size of the shared-string part.
    public var maxSharedStringsPartBytes: UInt64 = 4 << 30
    /// Uncompressed size of the sheet that is read (streamed: costs time, not memory).
    public var maxSheetBytes: UInt64 = 64 << 30
    /// Largest uncompressed ÷ compressed size accepted for a part larger than
    /// ``ratioFloorBytes`` (real sheets stay far below; zip bombs sit near deflate's 1032).
    public var maxRatio: UInt64 = 250
    public var ratioFloorBytes: UInt64 = 16 << 20
    /// The shared-string table is held in memory: at most this many strings …
    public var maxSharedStrings = 16_000_000
    /// … holding at most this many bytes of text.
    public var maxSharedStringBytes = 1 << 30
    /// One cell's text (Excel's own limit is 32,767 characters).
    public var maxCellBytes = 1 << 20

    public init() {}

    public static let standard = XLSXLimits()
}
