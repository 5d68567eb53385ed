/**
 * Recipes: what the app runtime leaves to the user. LibEMG's features, a standard scaler,
 * estimators (LDA, kNN), streaming Butterworth and notch filters, and offline metrics. Pure
 * functions and classes that use nothing else of the project.
 *
 * @module myogestic/recipes
 */
export * from "./features/index.js";
export * from "./filters/index.js";
export { StandardScaler, type StandardScalerData } from "./scaler.js";
export { LinearDiscriminant, type LdaFitOptions, type LdaModelData } from "./estimators/lda.js";
export { KNearestNeighbors, KNN_DEFAULTS, type KnnModelData, type KnnOptions } from "./estimators/knn.js";
export {
  activeError,
  classificationAccuracy,
  computeMetrics,
  confusionMatrix,
  instability,
  METRIC_DEFAULTS,
  precisionRecallF1,
  rejectionRate,
  type ClassificationMetrics,
  type ClassScores,
  type ConfusionMatrix,
  type MetricOptions,
  type PrecisionRecallF1Scores,
} from "./metrics.js";
