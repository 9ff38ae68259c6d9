/// Builds the judge an analysis spec names.
public enum JudgeFactory {
    public static func make(_ spec: AnalysisSpec) -> any CanaryJudge {
        switch spec.judge {
        case .sequential: return SequentialJudge(spec: spec)
        case .mannWhitney: return MannWhitneyJudge(spec: spec)
        case .threshold: return ThresholdJudge(spec: spec)
        }
    }
}
