/// Named starting points for a pretraining configuration; a YAML file and flags override either.
public enum PretrainPreset: String, CaseIterable, Codable, Sendable {
    /// SonoTag's defaults (`RunConfig()`), chosen from the phantom ablation (README, "Pretraining defaults").
    case sonotag
    /// What the paper states or its reference code implies: λ_adv 0.001, lr_D 1e-5, batch-norm D
    /// with sum pooling, one D step per F step.
    case paper

    public var config: RunConfig {
        switch self {
        case .sonotag: return RunConfig()
        case .paper: return RunConfig.paper
        }
    }
}

extension RunConfig {
    /// The paper-faithful settings (`--preset paper`). The paper gives Adam's rates, batch 32 and
    /// 200 epochs; λ_rec/λ_adv and the sum pooling come from Pathak's and Miyato's code.
    public static var paper: RunConfig {
        var c = RunConfig()
        c.learningRateF = 1e-4
        c.learningRateD = 1e-5
        c.lambdaRec = 0.999
        c.lambdaAdv = 0.001
        c.discriminatorPooling = .sum
        c.discriminatorNormalization = .batch
        c.discriminatorSteps = 1
        return c
    }
}
