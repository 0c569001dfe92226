import Foundation
import SonoSupport

/// Downstream results shaped like the paper's Table 2: one row per backbone × pretraining
/// configuration, one column per task, cells "mean ± std" (or a note such as
/// "n/a: no ImageNet weights"), with the paper's own numbers alongside.
/// The paper's pretraining configurations (the rows of Table 2), in its row order. The raw
/// value is the command line's name (`ce+dcm+f`); `paperName` is the table's (`CE+DCM+F`).
public enum PretrainingConfiguration: String, CaseIterable, Codable, Sendable {
    case baseline
    case imagenet
    case dcm
    case ce
    case ceDCM = "ce+dcm"
    case ceDCMFrozen = "ce+dcm+f"

    /// The row label the paper uses.
    public var paperName: String {
        switch self {
        case .baseline: return "Baseline"
        case .imagenet: return "ImageNet"
        case .dcm: return "DCM"
        case .ce: return "CE"
        case .ceDCM: return "CE+DCM"
        case .ceDCMFrozen: return "CE+DCM+F"
        }
    }

    /// The encoder stays fixed downstream (the paper's +F row).
    public var freezesEncoder: Bool { self == .ceDCMFrozen }

    /// Accepts the paper's spelling or the command line's (`CE+DCM+F`, `ce+dcm+f`), any case.
    public init?(name: String) {
        let key = Table2.key(name)
        guard let match = Self.allCases.first(where: { Table2.key($0.rawValue) == key || Table2.key($0.paperName) == key }) else {
            return nil
        }
        self = match
    }
}

public struct Table2: Sendable {
    public enum Cell: Equatable, Sendable {
        case estimate(mean: Double, std: Double)
        /// Several seeds: mean ± std across seeds, the bootstrap std of the seed-averaged score in
        /// brackets, and a significance mark (empty, or e.g. "*" for a Holm-significant gain).
        case seeds(mean: Double, std: Double, bootstrapStd: Double, mark: String)
        case note(String)

        public func formatted(decimals: Int) -> String {
            switch self {
            case .estimate(let mean, let std): return "\(Format.fixed(mean, decimals)) ± \(Format.fixed(std, decimals))"
            case .seeds(let mean, let std, let bootstrapStd, let mark):
                return "\(Format.fixed(mean, decimals)) ± \(Format.fixed(std, decimals)) [\(Format.fixed(bootstrapStd, decimals))]"
                    + (mark.isEmpty ? "" : " " + mark)
            case .note(let text): return text
            }
        }

        /// Parses "0.801 ± 0.011" (also "0.801 +- 0.011"); anything else is kept as a note.
        public init(parsing text: String) {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            for separator in ["±", "+-", "+/-"] {
                let parts = trimmed.components(separatedBy: separator)
                if parts.count == 2, let mean = Double(parts[0].trimmingCharacters(in: .whitespaces)),
                    let std = Double(parts[1].trimmingCharacters(in: .whitespaces))
                {
                    self = .estimate(mean: mean, std: std)
                    return
                }
            }
            self = .note(trimmed)
        }

        public var mean: Double? {
            switch self {
            case .estimate(let mean, _), .seeds(let mean, _, _, _): return mean
            case .note: return nil
            }
        }
    }

    public struct Row: Hashable, Sendable {
        public var backbone: String
        public var configuration: PretrainingConfiguration
        public init(backbone: String, configuration: PretrainingConfiguration) {
            self.backbone = backbone
            self.configuration = configuration
        }
    }

    public var backbones: [String]
    public var configurations: [PretrainingConfiguration]
    public var tasks: [String]
    public private(set) var cells: [Row: [String: Cell]] = [:]
    /// The paper's results, shown next to ours for matching backbone/configuration/task names.
    public var reported: ReportedTable2? = .paper
    public var decimals = 3

    public init(backbones: [String], configurations: [PretrainingConfiguration] = PretrainingConfiguration.allCases, tasks: [String]) {
        self.backbones = backbones
        self.configurations = configurations
        self.tasks = tasks
    }

    public mutating func set(_ cell: Cell, backbone: String, configuration: PretrainingConfiguration, task: String) {
        if !backbones.contains(backbone) { backbones.append(backbone) }
        if !configurations.contains(configuration) { configurations.append(configuration) }
        if !tasks.contains(task) { tasks.append(task) }
        cells[Row(backbone: backbone, configuration: configuration), default: [:]][task] = cell
    }

    public mutating func set(_ estimate: BootstrapEstimate, backbone: String, configuration: PretrainingConfiguration, task: String) {
        let cell: Cell = estimate.mean.isNaN ? .note("n/a") : .estimate(mean: estimate.mean, std: estimate.standardDeviation)
        set(cell, backbone: backbone, configuration: configuration, task: task)
    }

    public func cell(backbone: String, configuration: PretrainingConfiguration, task: String) -> Cell? {
        cells[Row(backbone: backbone, configuration: configuration)]?[task]
    }

    /// Paper tasks that have at least one reported value for our backbones.
    var paperTasks: [String] {
        guard let reported else { return [] }
        return reported.tasks.filter { task in
            backbones.contains { b in configurations.contains { reported.cell(backbone: b, configuration: $0, task: task) != nil } }
        }
    }

    /// The distinct reasons of the table's note cells, in table order. Markdown and HTML show each
    /// once below the table and mark its cells "n/a (k)": an absent row (no ImageNet weights) would
    /// otherwise repeat the same sentence in every cell.
    public var footnotes: [String] {
        var texts: [String] = []
        for backbone in backbones {
            for configuration in configurations {
                for task in tasks {
                    if case .note(let text)? = cell(backbone: backbone, configuration: configuration, task: task),
                        text != Self.notAvailable, !texts.contains(text)
                    {
                        texts.append(text)
                    }
                }
            }
        }
        return texts
    }

    static let notAvailable = "n/a"

    /// Header and text cells shared by the Markdown, CSV and HTML renderings. With `footnoted`
    /// note cells read "n/a (k)", k indexing `footnotes` from 1; without it "n/a: reason".
    public func grid(footnoted: Bool = false) -> (header: [String], rows: [[String]]) {
        let notes = footnoted ? footnotes : []
        let paper = paperTasks
        let header = ["backbone", "pretraining"] + tasks + paper.map { "paper: \($0)" }
        var rows: [[String]] = []
        for backbone in backbones {
            for configuration in configurations {
                var row = [backbone, configuration.paperName]
                for task in tasks {
                    switch cell(backbone: backbone, configuration: configuration, task: task) {
                    case .note(let text)? where text != Self.notAvailable:
                        row.append(notes.firstIndex(of: text).map { "\(Self.notAvailable) (\($0 + 1))" } ?? "\(Self.notAvailable): \(text)")
                    case let other?: row.append(other.formatted(decimals: decimals))
                    case nil: row.append("")
                    }
                }
                for task in paper {
                    row.append(reported?.cell(backbone: backbone, configuration: configuration, task: task)?.formatted(decimals: 3) ?? "")
                }
                rows.append(row)
            }
        }
        return (header, rows)
    }

    /// Best mean per backbone and task, for highlighting.
    func isBest(backbone: String, configuration: PretrainingConfiguration, task: String) -> Bool {
        guard let mean = cell(backbone: backbone, configuration: configuration, task: task)?.mean else { return false }
        let means = configurations.compactMap { cell(backbone: backbone, configuration: $0, task: task)?.mean }
        return means.count > 1 && mean == means.max()
    }

    /// GitHub-flavoured Markdown; the best configuration per backbone and task is bold.
    public func markdown() -> String {
        let (header, rows) = grid(footnoted: true)
        var lines = [
            "| " + header.joined(separator: " | ") + " |",
            "|" + header.map { _ in "---" }.joined(separator: "|") + "|"
        ]
        var index = 0
        for backbone in backbones {
            for configuration in configurations {
                var row = rows[index].map { $0.replacingOccurrences(of: "|", with: "\\|") }
                for (t, task) in tasks.enumerated() where isBest(backbone: backbone, configuration: configuration, task: task) {
                    row[2 + t] = "**\(row[2 + t])**"
                }
                lines.append("| " + row.joined(separator: " | ") + " |")
                index += 1
            }
        }
        var text = lines.joined(separator: "\n") + "\n"
        if !footnotes.isEmpty {
            text += "\n" + footnotes.enumerated().map { "(\($0.offset + 1)) \($0.element)" }.joined(separator: "  \n") + "\n"
        }
        if !paperTasks.isEmpty {
            text +=
                "\n\"paper:\" columns are the values reported by Hu et al. (Table 2), for reference; mean ± std over 1000 bootstrap resamples of 50 % of each test set.\n"
        }
        return text
    }

    /// Wide CSV with the same columns as the Markdown table (cells as "mean ± std" text).
    public func csv() -> CSVTable {
        let (header, rows) = grid()
        return CSVTable(header: header, rows: rows)
    }

    /// Long CSV with numbers in their own columns: one line per backbone, configuration, task and source.
    public func longCSV() -> CSVTable {
        var table = CSVTable(header: ["backbone", "pretraining", "task", "source", "mean", "std", "note"])
        for backbone in backbones {
            for configuration in configurations {
                for task in tasks {
                    if let cell = cell(backbone: backbone, configuration: configuration, task: task) {
                        table.append(Self.longRow(backbone, configuration, task, "sonotag", cell, decimals: 6))
                    }
                }
                for task in paperTasks {
                    if let cell = reported?.cell(backbone: backbone, configuration: configuration, task: task) {
                        table.append(Self.longRow(backbone, configuration, task, "paper", cell, decimals: 3))
                    }
                }
            }
        }
        return table
    }

    private static func longRow(
        _ backbone: String, _ configuration: PretrainingConfiguration, _ task: String, _ source: String,
        _ cell: Cell, decimals: Int
    ) -> [String] {
        switch cell {
        case .estimate(let mean, let std):
            return [backbone, configuration.paperName, task, source, Format.fixed(mean, decimals), Format.fixed(std, decimals), ""]
        case .seeds(let mean, let std, let bootstrapStd, let mark):
            return [
                backbone, configuration.paperName, task, source, Format.fixed(mean, decimals), Format.fixed(std, decimals),
                "bootstrap std \(Format.fixed(bootstrapStd, decimals))" + (mark.isEmpty ? "" : "; \(mark)")
            ]
        case .note(let text):
            return [backbone, configuration.paperName, task, source, "", "", text]
        }
    }

    /// Case-, space- and punctuation-insensitive key: "VGG16-BN" == "vgg16bn", "CE+DCM+F" == "ce dcm f".
    static func key(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }
}

/// Published Table 2 values, keyed by backbone, configuration and task.
public struct ReportedTable2: Sendable {
    public let tasks: [String]
    private let cells: [String: Table2.Cell]

    public init(csv: CSVTable, source: String = "<csv>") throws {
        guard csv.header.count >= 3, Table2.key(csv.header[0]) == "backbone", Table2.key(csv.header[1]) == "pretraining" else {
            throw EvaluationError.unreadable(
                path: source, reason: "expected columns backbone,pretraining,<tasks…>, got \(csv.header.joined(separator: ","))")
        }
        tasks = Array(csv.header.dropFirst(2))
        var cells: [String: Table2.Cell] = [:]
        for (line, row) in csv.rows.enumerated() {
            guard row.count == csv.header.count else {
                throw EvaluationError.unreadable(
                    path: source, reason: "row \(line + 2) has \(row.count) fields, header has \(csv.header.count)")
            }
            guard let configuration = PretrainingConfiguration(name: row[1]) else {
                throw EvaluationError.unreadable(path: source, reason: "row \(line + 2): unknown pretraining \"\(row[1])\"")
            }
            for (task, text) in zip(tasks, row.dropFirst(2)) where !text.isEmpty {
                cells[Self.key(row[0], configuration, task)] = Table2.Cell(parsing: text)
            }
        }
        self.cells = cells
    }

    public static func load(path: String) throws -> ReportedTable2 {
        try ReportedTable2(csv: CSVTable.read(path: path), source: path)
    }

    public func cell(backbone: String, configuration: PretrainingConfiguration, task: String) -> Table2.Cell? {
        cells[Self.key(backbone, configuration, task)]
    }

    private static func key(_ backbone: String, _ configuration: PretrainingConfiguration, _ task: String) -> String {
        "\(Table2.key(backbone))/\(configuration.rawValue)/\(Table2.key(task))"
    }

    /// Hu et al., Table 2 (quality: ordinal view-quality score; the other columns are Dice),
    /// copied from shared/data/paper/table2_reported.csv; a test checks the two agree.
    public static let paper: ReportedTable2? = try? ReportedTable2(csv: CSVTable.parse(paperCSV))

    static let paperCSV = """
        backbone,pretraining,quality,liver_kidney_dice,thyroid_dice
        VGG16-BN,Baseline,0.558 ± 0.031,0.801 ± 0.011,0.856 ± 0.012
        VGG16-BN,ImageNet,0.656 ± 0.034,0.824 ± 0.008,0.876 ± 0.009
        VGG16-BN,DCM,0.652 ± 0.020,0.829 ± 0.008,0.859 ± 0.011
        VGG16-BN,CE,0.629 ± 0.022,0.816 ± 0.009,0.858 ± 0.011
        VGG16-BN,CE+DCM,0.657 ± 0.031,0.832 ± 0.009,0.883 ± 0.010
        VGG16-BN,CE+DCM+F,0.645 ± 0.035,0.826 ± 0.009,0.879 ± 0.011
        RESNET50,Baseline,0.706 ± 0.029,0.765 ± 0.013,0.843 ± 0.011
        RESNET50,ImageNet,0.708 ± 0.035,0.811 ± 0.014,0.849 ± 0.011
        RESNET50,DCM,0.706 ± 0.028,0.753 ± 0.016,0.850 ± 0.011
        RESNET50,CE,0.715 ± 0.028,0.781 ± 0.011,0.849 ± 0.010
        RESNET50,CE+DCM,0.715 ± 0.024,0.807 ± 0.011,0.852 ± 0.011
        RESNET50,CE+DCM+F,0.754 ± 0.024,0.814 ± 0.014,0.865 ± 0.010

        """
}
