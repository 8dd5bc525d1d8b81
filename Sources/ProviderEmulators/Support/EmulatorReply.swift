import Hummingbird
import NIOCore
import SpliceEncoding

/// Builders for the emulators' answers.
enum EmulatorReply {
    /// A JSON answer.
    static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> Response {
        raw(status, contentType: "application/json", body: value.bytes, headers: headers)
    }

    /// An HTML answer.
    static func html(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Response {
        raw(status, contentType: "text/html; charset=utf-8", body: Array(text.utf8), headers: headers)
    }

    /// An answer with exactly these body bytes (`Content-Length` set from them).
    static func raw(
        _ status: Int,
        contentType: String?,
        body: [UInt8],
        headers: [(String, String)] = []
    ) -> Response {
        var fields = HTTPFields()
        if let contentType {
            fields[.contentType] = contentType
        }
        for (name, value) in headers {
            if let fieldName = HTTPFields.Element.Name(name) {
                fields.append(HTTPFields.Element(name: fieldName, value: value))
            }
        }
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    /// An empty answer.
    static func empty(_ status: Int, headers: [(String, String)] = []) -> Response {
        raw(status, contentType: nil, body: [], headers: headers)
    }

    /// The HTML error page of a reverse proxy (nginx style) for 502/503.
    static func proxyErrorPage(_ status: Int) -> Response {
        let title = status == 503 ? "503 Service Temporarily Unavailable" : "502 Bad Gateway"
        return html(
            status,
            "<html>\r\n<head><title>\(title)</title></head>\r\n<body>\r\n<center><h1>\(title)</h1></center>\r\n"
                + "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        )
    }

    /// An HTML page answered with HTTP 200 (a login or maintenance page instead of JSON).
    static func htmlInsteadOfJSON() -> Response {
        html(
            200,
            "<!DOCTYPE html>\n<html><head><title>Maintenance</title></head>"
                + "<body><h1>We'll be back soon</h1><p>The service is undergoing maintenance.</p></body></html>\n"
        )
    }

    /// A 32-hex-digit request id, as Huawei's gateways issue.
    static func requestID() -> String { Hex.randomId() }
}
