/// Interns short strings (kinds, statuses, roles, levels, refs) as dense integer ids so that
/// records stay small and rule matching compares integers.
public struct SymbolTable: Sendable {
    public private(set) var strings: [String] = [""]
    private var ids: [String: Int32] = ["": 0]

    public init() {}

    /// The id for the empty string.
    public static let empty: Int32 = 0

    @inlinable
    public mutating func intern(_ s: String) -> Int32 {
        if let id = lookup(s) { return id }
        return add(s)
    }

    public func lookup(_ s: String) -> Int32? { ids[s] }

    @usableFromInline
    mutating func add(_ s: String) -> Int32 {
        let id = Int32(strings.count)
        strings.append(s)
        ids[s] = id
        return id
    }

    public subscript(id: Int32) -> String { strings[Int(id)] }
    public var count: Int { strings.count }
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

    public mutating func append<C: Collection>(_ b: C) -> Ref where C.Element == UInt8 {
        let offset = UInt32(bytes.count)
        bytes.append(contentsOf: b)
        return Ref(offset: offset, length: UInt32(b.count))
    }

    public mutating func append(_ s: String) -> Ref { append(s.utf8) }

    public subscript(ref: Ref) -> String {
        if ref.length == 0 { return "" }
        return bytes.withUnsafeBufferPointer { buf in
            String(decoding: UnsafeBufferPointer(rebasing: buf[Int(ref.offset)..<Int(ref.offset + ref.length)]), as: UTF8.self)
        }
    }
}
