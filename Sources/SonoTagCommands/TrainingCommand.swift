/// The commands that need libtorch. They live in the `sonotag-train` executable; `sonotag` hands
/// them over with `exec`, so that indexing, labelling, phantom and DICOM commands start without
/// loading libtorch (about 0.7 s of relocations and static initialisers on every start).
public enum TrainingCommand: String, CaseIterable, Sendable {
    case pretrain, export, features, finetune, evaluate, experiment, smoke

    /// One-line help, shared by the real command and `sonotag`'s entry for it.
    public var abstract: String {
        switch self {
        case .pretrain: return "Pretrain an encoder: context encoder + metadata-conditioned projection discriminator (CE+DCM), CE, or DCM."
        case .export: return "Write a pretrained encoder alone, under torchvision's state_dict keys."
        case .features: return "Global-average-pooled encoder features of images given as an N×C×H×W float32 .npy."
        case .finetune: return "Fine-tune an encoder on a labelled downstream task (segmentation U-Net or classification head)."
        case .evaluate: return "Evaluate a fine-tuned run on a test set: bootstrapped metrics, per-image CSV, overlays."
        case .experiment: return "Reproduce the paper's evaluation: Table 2 and the low-data study (Figure 6)."
        case .smoke: return "Train a tiny conv net on synthetic images for a few steps and print the loss falling."
        }
    }
}
