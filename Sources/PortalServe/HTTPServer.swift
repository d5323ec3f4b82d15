import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A request as the preview server reads it: the method, the path as sent (still
/// percent-encoded) and the query's items (decoded).
struct HTTPRequest: Sendable {
    var method: String
    var path: String
    var query: [(name: String, value: String)]

    /// The value of the query's first item named `name`.
    func query(_ name: String) -> String? { query.first { $0.name == name }?.value }

    /// `GET /en/about/?v=3 HTTP/1.1` and its header lines, without the blank line that ends
    /// them; nil when the request line is not one.
    static func parse(_ head: [UInt8]) -> (request: HTTPRequest, version: String, headers: [(name: String, value: String)])? {
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        guard let first = lines.first else { return nil }
        let parts = first.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[2].hasPrefix("HTTP/1.") else { return nil }
        let target = parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [(String, String)] = []
        if target.count == 2 {
            for item in target[1].split(separator: "&") {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(pair[0]), value = pair.count == 2 ? String(pair[1]) : ""
                query.append((name.removingPercentEncoding ?? name, value.removingPercentEncoding ?? value))
            }
        }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((line[..<colon].trimmingCharacters(in: .whitespaces).lowercased(),
                            line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return (HTTPRequest(method: String(parts[0]), path: String(target[0]), query: query), String(parts[2]), headers)
    }
}

struct HTTPResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 301: "Moved Permanently"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 413: "Content Too Large"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        default: "Status"
        }
    }

    /// The status line and the headers, with the body's length; the body follows unless
    /// the request was `HEAD`.
    func head(keepAlive: Bool) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(body.count)\r\nConnection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
        return Array(text.utf8)
    }
}

/// The preview server's HTTP/1.1 listener: a thread per connection, blocking sockets,
/// keep-alive. Made for one person's browser on their own machine, not for the web (the
/// site itself is served by the host's server); small enough that `portal` links no HTTP
/// client library (a client library and its thirty shared libraries took every run of
/// `portal`, a build too, some 8 ms to load).
final class HTTPListener: @unchecked Sendable {
    private let socket: Int32
    /// Longest request head read (the request line and its headers), and longest body
    /// read and discarded.
    static let headLimit = 64 * 1024
    static let bodyLimit = 1024 * 1024
    /// Seconds a connection may stay quiet before it is closed.
    static let idleSeconds = 60

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(host: String, port: UInt16) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        let ip = host == "localhost" ? "127.0.0.1" : host
        guard inet_pton(AF_INET, ip, &address.sin_addr) == 1 else {
            throw Failure(description: "'\(host)' is not an IPv4 address to listen on (e.g. 127.0.0.1, or 0.0.0.0 for every interface)")
        }
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "cannot open a socket: \(String(cString: strerror(errno)))") }
        var on: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socket, 128) == 0 else {
            let reason = String(cString: strerror(errno))
            close(socket)
            throw Failure(description: "cannot listen on \(ip):\(port): \(reason)")
        }
    }

    /// Accepts connections until the task is cancelled; each is served on a thread of its
    /// own by `handler`.
    func run(_ handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) async {
        let socket = self.socket
        await withTaskCancellationHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread {
                    while true {
                        let connection = accept(socket, nil, nil)
                        if connection < 0 {
                            if errno == EINTR || errno == ECONNABORTED { continue }
                            // Out of descriptors: open connections close meanwhile.
                            if errno == EMFILE || errno == ENFILE { usleep(100_000); continue }
                            break  // shut down
                        }
                        _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                        Thread.detachNewThread { Self.serve(connection, handler) }
                    }
                    close(socket)
                    done.resume()
                }
            }
        } onCancel: {
            // Wakes the accepting thread, which then closes the socket.
            shutdown(socket, Int32(SHUT_RDWR))
        }
    }

    /// One connection's requests, one after another, until either side closes it.
    private static func serve(_ connection: Int32, _ handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) {
        defer { close(connection) }
        var timeout = timeval(tv_sec: idleSeconds, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer: [UInt8] = []
        while true {
            // The head: up to the blank line, looked for only in what came since.
            var searched = 0
            var end: Int?
            while true {
                end = headEnd(buffer, from: searched)
                if end != nil { break }
                searched = max(0, buffer.count - 3)
                if buffer.count > headLimit {
                    refuse(connection, 431)
                    return
                }
                guard receive(connection, into: &buffer) else { return }
            }
            if end! > headLimit {
                refuse(connection, 431)
                return
            }
            let head = Array(buffer[..<end!])
            buffer.removeFirst(end! + 4)
            guard let (request, version, headers) = HTTPRequest.parse(head) else {
                refuse(connection, 400)
                return
            }
            let header = { (name: String) in headers.first { $0.name == name }?.value }
            // A body (no preview request has one) is read and dropped.
            if header("transfer-encoding") != nil {
                refuse(connection, 400)
                return
            }
            var length = Int(header("content-length") ?? "0") ?? -1
            guard length >= 0, length <= bodyLimit else {
                refuse(connection, 413)
                return
            }
            while length > 0 {
                if buffer.isEmpty {
                    guard receive(connection, into: &buffer) else { return }
                }
                let taken = min(length, buffer.count)
                buffer.removeFirst(taken)
                length -= taken
            }
            let connectionHeader = header("connection")?.lowercased()
            let keepAlive = version == "HTTP/1.1" ? connectionHeader != "close" : connectionHeader == "keep-alive"
            var response: HTTPResponse
            if request.method == "GET" || request.method == "HEAD" {
                response = wait { await handler(request) }
            } else {
                response = HTTPResponse(status: 405, headers: [("Allow", "GET, HEAD")])
            }
            var bytes = response.head(keepAlive: keepAlive)
            if request.method != "HEAD" { bytes += response.body }
            guard send(connection, bytes), keepAlive else { return }
        }
    }

    /// Appends what the client sent next to `buffer`; false when it closed the
    /// connection, went quiet for the receive timeout, or the connection failed.
    private static func receive(_ connection: Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer += chunk[..<count]
            return true
        }
    }

    /// Answers with an error and closes the connection, reading what the client still
    /// sends for a moment first: closed with unread bytes, the connection would be reset,
    /// and the client could lose the answer before reading it.
    private static func refuse(_ connection: Int32, _ status: Int) {
        guard send(connection, HTTPResponse(status: status).head(keepAlive: false)) else { return }
        shutdown(connection, Int32(SHUT_WR))
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var drained: [UInt8] = []
        while drained.count < 4 * bodyLimit, receive(connection, into: &drained) {
            drained.removeAll(keepingCapacity: true)
        }
    }

    /// Where the blank line that ends a request's head starts, looked for from `start`.
    static func headEnd(_ bytes: [UInt8], from start: Int = 0) -> Int? {
        guard bytes.count >= start + 4 else { return nil }
        for index in start...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    /// Writes all of `bytes`; false when the connection is gone.
    private static func send(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(connection, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent < 0 { if errno == EINTR { continue }; return false }
            offset += sent
        }
        return true
    }

    /// The connection's thread waits for the handler, which runs on the tasks' pool ahead of
    /// a build's work there: a request answered from the site in memory should not queue
    /// behind a rebuild's pages (under a loaded pool, requests at the default priority
    /// waited seconds each).
    private static func wait(_ work: @escaping @Sendable () async -> HTTPResponse) -> HTTPResponse {
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        Task(priority: .high) {
            box.response = await work()
            done.signal()
        }
        done.wait()
        return box.response!
    }

    private final class ResponseBox: @unchecked Sendable {
        var response: HTTPResponse?
    }
}
