// SPDX-License-Identifier: Apache-2.0
/// The paths the binder and the host tool share, spelled once: the host
/// writes the table where the hooks copy it from and where the binder reads
/// it in the image, and reads the report where the binder leaves it.
public enum InstalledPaths {
  /// The compiled binding table, on the host and inside every image.
  public static let table = "/etc/earlybind/bindings.tbl"
  /// The binder's folder on the runtime tmpfs.
  public static let reportDirectory = "/run/earlybind"
  /// What the binder did at this boot (`BindingReport`).
  public static let report = reportDirectory + "/" + reportName
  static let reportName = "report.json"
}
