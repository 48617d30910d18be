#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Interns short strings (kinds, statuses, roles, levels, refs, member ids) as dense integer
/// ids so that records stay small and rule matching compares integers.
///
/// Looks values up by their UTF-8 bytes (an open-addressing table, ``hash(_:)``), so the
/// ingest hot path never builds a `String` for a value it has seen before.
/// - Complexity: O(length) expected per lookup.
public struct SymbolTable: Sendable {
    public private(set) var strings: [String] = [""]
    private var keyBytes: [UInt8] = []
    /// Where each id's bytes start in `keyBytes`; they end where the next id's start.
    private var keyStart: [Int] = [0]
    /// An id's slot holds what a lookup compares before the bytes: the hash, the length and
    /// where the bytes are, so a lookup costs two cache misses in a large table (the slot, the
    /// bytes) instead of four (slot, hash, start, bytes): member ids at 80,000 members.
    private struct Slot {
        /// id + 1 (0 = empty).
        var id: Int32 = 0
        var hash: UInt32 = 0
        var length: UInt32 = 0
        /// Where the bytes start, or `UInt32.max` past 4 GiB of keys (then `keyStart`).
        var start: UInt32 = 0
    }
    private var slots = [Slot](repeating: Slot(), count: 64)

    public init() {
        insertSlot(id: 0, hash: Self.hash(UnsafeBufferPointer(start: nil, count: 0)))
    }

    /// The id for the empty string.
    public static let empty: Int32 = 0

    public subscript(id: Int32) -> String { strings[Int(id)] }
    public var count: Int { strings.count }

    public mutating func intern(_ s: String) -> Int32 {
        var s = s
        return s.withUTF8 { intern(bytes: $0) }
    }

    public func lookup(_ s: String) -> Int32? {
        var s = s
        return s.withUTF8 { lookup(bytes: $0) }
    }

    /// The id of `bytes` (which must be valid UTF-8), adding it if new.
    public mutating func intern(bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let h = Self.hash(bytes)
        if let id = find(bytes, hash: h) { return id }
        let id = Int32(strings.count)
        strings.append(String(decoding: bytes, as: UTF8.self))
        keyStart.append(keyBytes.count)
        keyBytes.append(contentsOf: bytes)
        if strings.count * 2 > slots.count { grow() }
        insertSlot(id: id, hash: h)
        return id
    }

    public func lookup(bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        find(bytes, hash: Self.hash(bytes))
    }

    /// The ids of `count` byte strings (`key(k)`), given to `found` in order (nil: not in the
    /// table), looked up sixteen at a time: their hashes first, then their first slots read
    /// together, so that the cache misses of a large table overlap instead of following one
    /// another (member ids with 80,000 members: the reading thread's largest cost).
    public func lookup(_ count: Int, key: (Int) -> UnsafeBufferPointer<UInt8>, found: (Int, Int32?) -> Void) {
        let mask = slots.count - 1
        let group = 16
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: group) { hashes in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: group) { firsts in
                slots.withUnsafeBufferPointer { slots in
                    var start = 0
                    while start < count {
                        let n = min(group, count - start)
                        for k in 0..<n { hashes[k] = Self.hash(key(start + k)) }
                        // Independent loads: the processor has them all in flight at once.
                        for k in 0..<n { firsts[k] = slots[Int(hashes[k]) & mask].id }
                        for k in 0..<n {
                            found(start + k, firsts[k] == 0 ? nil : find(key(start + k), hash: hashes[k]))
                        }
                        start += n
                    }
                }
            }
        }
    }

    private func find(_ bytes: UnsafeBufferPointer<UInt8>, hash h: UInt32) -> Int32? {
        let mask = slots.count - 1
        var i = Int(h) & mask
        return slots.withUnsafeBufferPointer { slots in
            keyBytes.withUnsafeBufferPointer { keys in
                while true {
                    let s = slots[i]
                    if s.id == 0 { return nil }
                    if s.hash == h, Int(s.length) == bytes.count {
                        let id = Int(s.id - 1)
                        let start = s.start != UInt32.max ? Int(s.start) : keyStart[id]
                        if bytes.isEmpty || memcmp(keys.baseAddress! + start, bytes.baseAddress!, bytes.count) == 0 {
                            return Int32(id)
                        }
                    }
                    i = (i + 1) & mask
                }
            }
        }
    }

    private mutating func insertSlot(id: Int32, hash h: UInt32) {
        let mask = slots.count - 1
        var i = Int(h) & mask
        while slots[i].id != 0 { i = (i + 1) & mask }
        let start = keyStart[Int(id)]
        let end = Int(id) + 1 < keyStart.count ? keyStart[Int(id) + 1] : keyBytes.count
        slots[i] = Slot(id: id + 1, hash: h, length: UInt32(end - start), start: start < Int(UInt32.max) ? UInt32(start) : .max)
    }

    /// Twice the slots; the filled ones move as they are (they hold their hashes).
    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: slots.count * 2)
        let mask = slots.count - 1
        for s in old where s.id != 0 {
            var i = Int(s.hash) & mask
            while slots[i].id != 0 { i = (i + 1) & mask }
            slots[i] = s
        }
    }

    /// A hash of `bytes` for the open-addressing tables of ingest (symbols, activity ids,
    /// titles): eight bytes at a time, multiplied and folded (FNV-1a one byte at a time was a
    /// fifth of validating a record). Fixed, so a run is the same every time.
    @inline(__always)
    public static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0x811C_9DC5 }
        var n = bytes.count
        var p = UnsafeRawPointer(base)
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        while n >= 8 {
            h = (h ^ p.loadUnaligned(as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            p += 8
            n -= 8
        }
        if n > 0 {
            var w: UInt64 = 0
            for k in 0..<n { w |= UInt64(p.load(fromByteOffset: k, as: UInt8.self)) << (8 * UInt64(k)) }
            h = (h ^ w) &* 0x94D0_49BB_1331_11EB
        }
        h ^= h >> 32
        h = h &* 0xBF58_476D_1CE4_E5B9
        return UInt32(truncatingIfNeeded: h ^ (h >> 29))
    }
}

/// A set of up to 64 marks (重点, 优秀, …) as a bit mask over a mark table.
public struct MarkSet: Hashable, Sendable {
    public var bits: UInt64
    public init(bits: UInt64 = 0) { self.bits = bits }
    public func contains(_ index: Int) -> Bool { bits & (1 << UInt64(index)) != 0 }
    public mutating func insert(_ index: Int) { bits |= 1 << UInt64(index) }
    public func isSuperset(of other: MarkSet) -> Bool { bits & other.bits == other.bits }
    public var isEmpty: Bool { bits == 0 }
    public var indices: [Int] { (0..<64).filter { contains($0) } }
}

/// Append-only storage for the long strings of many records (ids, titles) in one buffer.
public struct StringArena: Sendable {
    public struct Ref: Hashable, Sendable {
        public var offset: UInt32
        public var length: UInt32
        public static let none = Ref(offset: 0, length: 0)
    }

    public private(set) var bytes: [UInt8] = []
    public init() {}

    /// An arena over `bytes` as they are (references are made by the caller); at most
    /// ``capacityLimit`` bytes.
    public init(bytes: [UInt8]) {
        precondition(bytes.count <= Self.capacityLimit)
        self.bytes = bytes
    }

    /// The most bytes the arena can hold (offsets are 32-bit).
    public static let capacityLimit = Int(UInt32.max)

    public mutating func append(_ b: UnsafeBufferPointer<UInt8>) -> Ref {
        let offset = UInt32(bytes.count)
        bytes.append(contentsOf: b)
        return Ref(offset: offset, length: UInt32(b.count))
    }

    public mutating func append(_ s: String) -> Ref {
        var s = s
        return s.withUTF8 { append($0) }
    }

    public subscript(ref: Ref) -> String {
        if ref.length == 0 { return "" }
        return bytes.withUnsafeBufferPointer { buf in
            String(decoding: UnsafeBufferPointer(rebasing: buf[Int(ref.offset)..<Int(ref.offset + ref.length)]), as: UTF8.self)
        }
    }

    /// Whether the bytes at `ref` equal `other`.
    public func equals(_ ref: Ref, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard Int(ref.length) == other.count else { return false }
        if other.isEmpty { return true }
        return bytes.withUnsafeBufferPointer { buf in
            precondition(Int(ref.offset) + other.count <= buf.count)
            return memcmp(buf.baseAddress! + Int(ref.offset), other.baseAddress!, other.count) == 0
        }
    }
}

/// UTF-8 validation with an ASCII fast path.
public enum UTF8Check {
    /// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
    public static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; continue }
            if b0 < 0xC2 { return false }
            if b0 < 0xE0 {
                guard i + 1 < n, bytes[i + 1] & 0xC0 == 0x80 else { return false }
                i += 2
            } else if b0 < 0xF0 {
                guard i + 2 < n else { return false }
                let b1 = bytes[i + 1], b2 = bytes[i + 2]
                guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 else { return false }
                if b0 == 0xE0 && b1 < 0xA0 { return false }
                if b0 == 0xED && b1 >= 0xA0 { return false }
                i += 3
            } else if b0 < 0xF5 {
                guard i + 3 < n else { return false }
                let b1 = bytes[i + 1], b2 = bytes[i + 2], b3 = bytes[i + 3]
                guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80, b3 & 0xC0 == 0x80 else { return false }
                if b0 == 0xF0 && b1 < 0x90 { return false }
                if b0 == 0xF4 && b1 >= 0x90 { return false }
                i += 4
            } else {
                return false
            }
        }
        return true
    }
}
