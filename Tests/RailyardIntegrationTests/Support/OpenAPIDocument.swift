import Foundation
import Yams

/// `docs/openapi.yaml`, read with Yams, and a small checker of JSON answers against it: documented
/// status codes, and the documented schema (types, required properties, no undocumented
/// property where `additionalProperties: false`, enums, constants, bounds, dates).
struct OpenAPIDocument {
    static let methods = ["get", "put", "post", "delete", "patch", "head", "options"]

    let root: Node

    static var packagePath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml").path
    }

    init(path: String = OpenAPIDocument.packagePath) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let root = try Yams.compose(yaml: text) else { throw OpenAPIDocumentError("\(path) is empty") }
        self.root = root
    }

    /// The value of `key` in a mapping, comparing keys as text: Yams' own subscript compares
    /// resolved tags, so it misses quoted keys such as "200".
    static func child(_ node: Node?, _ key: String) -> Node? {
        guard let mapping = node?.mapping else { return nil }
        return mapping.first { $0.key.string == key }?.value
    }

    /// Every operation, as "METHOD /path/{param}", in document order.
    var operations: [String] {
        guard let paths = Self.child(root, "paths")?.mapping else { return [] }
        return paths.flatMap { (path, item) -> [String] in
            guard let path = path.string, let item = item.mapping else { return [] }
            return item.compactMap { key, _ in
                guard let method = key.string, Self.methods.contains(method) else { return nil }
                return "\(method.uppercased()) \(path)"
            }
        }
    }

    func operation(_ operation: String) -> Node? {
        let parts = operation.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        return Self.child(Self.child(Self.child(root, "paths"), parts[1]), parts[0].lowercased())
    }

    /// The status codes documented for an operation, e.g. ["200", "404", "500"].
    func statuses(of operation: String) -> [String] {
        guard let responses = Self.child(self.operation(operation), "responses")?.mapping else { return [] }
        return responses.compactMap { key, _ in key.string }
    }

    /// The JSON schema documented for one status of an operation (a JSON or problem+json body).
    func schema(of operation: String, status: Int) -> Node? {
        guard let response = Self.child(Self.child(self.operation(operation), "responses"), "\(status)") else { return nil }
        let content = Self.child(resolve(response), "content")
        return Self.child(Self.child(content, "application/json") ?? Self.child(content, "application/problem+json"), "schema")
    }

    /// The roles an operation's `x-railyard-roles` lists; nil when it has none.
    func roles(of operation: String) -> [String]? {
        Self.child(self.operation(operation), "x-railyard-roles")?.sequence?.compactMap(\.string)
    }

    /// The media types documented for one status of an operation, e.g. ["application/json"].
    func contentTypes(of operation: String, status: Int) -> [String] {
        guard let response = Self.child(Self.child(self.operation(operation), "responses"), "\(status)") else { return [] }
        return Self.child(resolve(response), "content")?.mapping?.compactMap { key, _ in key.string } ?? []
    }

    /// Follows `$ref: "#/components/…"` until a node that is not a reference.
    func resolve(_ node: Node) -> Node {
        var node = node
        for _ in 0..<16 {
            guard let reference = Self.child(node, "$ref")?.string, reference.hasPrefix("#/") else { return node }
            var target: Node? = root
            for part in reference.dropFirst(2).split(separator: "/") { target = Self.child(target, String(part)) }
            guard let target else { return node }
            node = target
        }
        return node
    }

    /// Why `answer` does not match the document for `operation`, or [] when it does.
    func problems(answering operation: String, status: Int, contentType: String? = nil, body: JSONValue?) -> [String] {
        let documented = statuses(of: operation)
        guard documented.contains(String(status)) else {
            return ["\(operation) answered \(status), which the document does not list (it lists \(documented.joined(separator: ", ")))"]
        }
        if let contentType {
            let media = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            let types = contentTypes(of: operation, status: status)
            if !types.isEmpty, !types.contains(media) {
                return ["\(operation) \(status): Content-Type '\(contentType)', the document says \(types.joined(separator: ", "))"]
            }
        }
        guard let schema = schema(of: operation, status: status) else { return [] }
        guard let body else { return ["\(operation) \(status): the body is not JSON"] }
        return problems(body, schema, at: "\(operation) \(status) $")
    }

    func problems(_ value: JSONValue, _ schemaNode: Node, at path: String) -> [String] {
        let schema = resolve(schemaNode)
        var found: [String] = []
        let types: [String] = Self.child(schema, "type").map { node in node.sequence.map { $0.compactMap(\.string) } ?? [node.string ?? ""] } ?? []
        if !types.isEmpty, !types.contains(where: { Self.value(value, is: $0) }) {
            return ["\(path): expected \(types.joined(separator: " or ")), got \(value.kind)"]
        }
        if let constant = Self.child(schema, "const")?.string, value != .string(constant) {
            found.append("\(path): expected the constant '\(constant)', got \(value)")
        }
        if let allowed = Self.child(schema, "enum")?.sequence?.compactMap(\.string), case .string(let text) = value, !allowed.contains(text) {
            found.append("\(path): '\(text)' is not one of \(allowed.joined(separator: ", "))")
        }
        if let format = Self.child(schema, "format")?.string, format == "date-time", case .string(let text) = value,
           ISO8601DateFormatter().date(from: text) == nil {
            found.append("\(path): '\(text)' is not an ISO 8601 date-time")
        }
        if case .integer(let number) = value {
            if let minimum = Self.child(schema, "minimum")?.int, number < minimum { found.append("\(path): \(number) < minimum \(minimum)") }
            if let maximum = Self.child(schema, "maximum")?.int, number > maximum { found.append("\(path): \(number) > maximum \(maximum)") }
        }
        if case .array(let items) = value {
            if let most = Self.child(schema, "maxItems")?.int, items.count > most { found.append("\(path): \(items.count) items > maxItems \(most)") }
            if let itemSchema = Self.child(schema, "items") {
                for (index, item) in items.enumerated() { found += problems(item, itemSchema, at: "\(path)[\(index)]") }
            }
        }
        if case .object(let fields) = value {
            let required = Self.child(schema, "required")?.sequence?.compactMap(\.string) ?? []
            for name in required where fields[name] == nil { found.append("\(path): missing required property '\(name)'") }
            let properties = Self.child(schema, "properties")
            for (name, field) in fields.sorted(by: { $0.key < $1.key }) {
                if let propertySchema = Self.child(properties, name) {
                    found += problems(field, propertySchema, at: "\(path).\(name)")
                } else if let additional = Self.child(schema, "additionalProperties") {
                    if additional.bool == false { found.append("\(path): property '\(name)' is not documented") }
                    else if additional.mapping != nil { found += problems(field, additional, at: "\(path).\(name)") }
                }
            }
        }
        return found
    }

    static func value(_ value: JSONValue, is type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null), ("integer", .integer),
             ("number", .integer), ("number", .number): true
        default: false
        }
    }
}

struct OpenAPIDocumentError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
