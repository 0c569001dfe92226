/// Negative numbers as option values.
///
/// swift-argument-parser reads `--offset -1` as the option `--offset` without a value followed by
/// a short flag `-1`, and reports "Missing value for '--offset'" although the value is there.
/// Joining such a pair into `--offset=-1` (a form the parser accepts) lets every numeric option
/// take a negative value and the command's own validation say whether it is allowed.
public enum NegativeValues {
    public static func joined(_ arguments: [String]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(arguments.count)
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                // Everything after the terminator is positional: keep it as typed.
                out += arguments[index...]
                break
            }
            if argument.hasPrefix("--"), argument.count > 2, !argument.contains("="),
                index + 1 < arguments.count, isNegativeNumber(arguments[index + 1])
            {
                out.append(argument + "=" + arguments[index + 1])
                index += 2
                continue
            }
            out.append(argument)
            index += 1
        }
        return out
    }

    static func isNegativeNumber(_ text: String) -> Bool {
        guard text.hasPrefix("-"), text.count > 1 else { return false }
        let body = text.dropFirst()
        guard let first = body.first, first.isNumber || first == "." else { return false }
        return Double(text) != nil
    }
}
