import LvzhiCore

/// A small direct-mapped cache in front of ``SymbolTable/intern(bytes:)`` for the short values
/// that come again on nearly every record (kind, status, role, level): a hit compares two
/// words and a length instead of hashing and probing (a sixth of validating a record).
/// Values longer than 16 bytes go to the table. Misses intern as before, so ids are given in
/// the same first-seen order with or without the cache.
struct InternCache {
    static let slotsPerField = 16
    private var words: [UInt64]
    private var lengths: [Int32]
    private var ids: [Int32]

    init(fields: Int) {
        words = Array(repeating: 0, count: fields * Self.slotsPerField * 2)
        lengths = Array(repeating: -1, count: fields * Self.slotsPerField)
        ids = Array(repeating: 0, count: fields * Self.slotsPerField)
    }

    @inline(__always)
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>, field: Int, in table: inout SymbolTable) -> Int32 {
        let n = bytes.count
        guard n <= 16 else { return table.intern(bytes: bytes) }
        var w: (UInt64, UInt64) = (0, 0)
        if n > 0 { withUnsafeMutableBytes(of: &w) { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) } }
        let mixed = (w.0 ^ (w.1 &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(n)) &* 0xBF58_476D_1CE4_E5B9
        let slot = field * Self.slotsPerField + Int(mixed >> 60)
        if lengths[slot] == Int32(n) && words[2 * slot] == w.0 && words[2 * slot + 1] == w.1 { return ids[slot] }
        let id = table.intern(bytes: bytes)
        lengths[slot] = Int32(n)
        words[2 * slot] = w.0
        words[2 * slot + 1] = w.1
        ids[slot] = id
        return id
    }
}
