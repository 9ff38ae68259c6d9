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

    /// Every operation, as "METHOD /path/{param}", in document order.
    var operations: [String] {
        guard let paths = root["paths"]?.mapping else { return [] }
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
        return root["paths"]?[parts[1]]?[parts[0].lowercased()]
    }

    /// The status codes documented for an operation, e.g. ["200", "404", "500"].
    func statuses(of operation: String) -> [String] {
        guard let responses = self.operation(operation)?["responses"]?.mapping else { return [] }
        return responses.compactMap { key, _ in key.string }
    }

    /// The JSON schema documented for one status of an operation.
    func schema(of operation: String, status: Int) -> Node? {
        guard let response = self.operation(operation)?["responses"]?["\(status)"] else { return nil }
        return resolve(response)["content"]?["application/json"]?["schema"]
    }

    /// Follows `$ref: "#/components/…"` until a node that is not a reference.
    func resolve(_ node: Node) -> Node {
        var node = node
        for _ in 0..<16 {
            guard let reference = node["$ref"]?.string, reference.hasPrefix("#/") else { return node }
            var target: Node? = root
            for part in reference.dropFirst(2).split(separator: "/") { target = target?[String(part)] }
            guard let target else { return node }
            node = target
        }
        return node
    }

    /// Why `answer` does not match the document for `operation`, or [] when it does.
    func problems(answering operation: String, status: Int, body: JSONValue?) -> [String] {
        let documented = statuses(of: operation)
        guard documented.contains(String(status)) else {
            return ["\(operation) answered \(status), which the document does not list (it lists \(documented.joined(separator: ", ")))"]
        }
        guard let schema = schema(of: operation, status: status) else { return [] }
        guard let body else { return ["\(operation) \(status): the body is not JSON"] }
        return problems(body, schema, at: "\(operation) \(status) $")
    }

    func problems(_ value: JSONValue, _ schemaNode: Node, at path: String) -> [String] {
        let schema = resolve(schemaNode)
        var found: [String] = []
        let types: [String] = schema["type"].map { node in node.sequence.map { $0.compactMap(\.string) } ?? [node.string ?? ""] } ?? []
        if !types.isEmpty, !types.contains(where: { Self.value(value, is: $0) }) {
            return ["\(path): expected \(types.joined(separator: " or ")), got \(value.kind)"]
        }
        if let constant = schema["const"]?.string, value != .string(constant) {
            found.append("\(path): expected the constant '\(constant)', got \(value)")
        }
        if let allowed = schema["enum"]?.sequence?.compactMap(\.string), case .string(let text) = value, !allowed.contains(text) {
            found.append("\(path): '\(text)' is not one of \(allowed.joined(separator: ", "))")
        }
        if let format = schema["format"]?.string, format == "date-time", case .string(let text) = value,
           ISO8601DateFormatter().date(from: text) == nil {
            found.append("\(path): '\(text)' is not an ISO 8601 date-time")
        }
        if case .integer(let number) = value {
            if let minimum = schema["minimum"]?.int, number < minimum { found.append("\(path): \(number) < minimum \(minimum)") }
            if let maximum = schema["maximum"]?.int, number > maximum { found.append("\(path): \(number) > maximum \(maximum)") }
        }
        if case .array(let items) = value {
            if let most = schema["maxItems"]?.int, items.count > most { found.append("\(path): \(items.count) items > maxItems \(most)") }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() { found += problems(item, itemSchema, at: "\(path)[\(index)]") }
            }
        }
        if case .object(let fields) = value {
            let required = schema["required"]?.sequence?.compactMap(\.string) ?? []
            for name in required where fields[name] == nil { found.append("\(path): missing required property '\(name)'") }
            let properties = schema["properties"]
            for (name, field) in fields.sorted(by: { $0.key < $1.key }) {
                if let propertySchema = properties?[name] {
                    found += problems(field, propertySchema, at: "\(path).\(name)")
                } else if let additional = schema["additionalProperties"] {
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
