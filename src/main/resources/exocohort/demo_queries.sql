-- The demo's example queries (DemoJob): each is a '-- title' line, then one statement ending in ';'.
-- ${database} is replaced by the catalog database the demo runs with (--database, default exocohort).

-- Samples per cohort and cancer type
SELECT cohort, cancer_type, count(*) AS samples
  FROM ${database}.samples
  GROUP BY cohort, cancer_type
  ORDER BY cohort, samples DESC LIMIT 12;

-- Library sizes (total miR reads per sample), by cohort
SELECT cohort, count(*) AS samples, percentile(lib, 0.5) AS median_reads, min(lib) AS min_reads,
    max(lib) AS max_reads
  FROM (SELECT cohort, sample_id, sum(count) AS lib FROM ${database}.mirna_counts GROUP BY cohort, sample_id)
  GROUP BY cohort
  ORDER BY cohort;

-- miR-21-5p by cancer type (mean reads per million)
SELECT s.cancer_type, count(*) AS samples, round(avg(1e6 * c.count / l.lib), 1) AS mean_rpm
  FROM ${database}.mirna_counts c
  JOIN ${database}.samples s USING (cohort, sample_id)
  JOIN (SELECT cohort, sample_id, sum(count) AS lib FROM ${database}.mirna_counts GROUP BY cohort, sample_id) l
    USING (cohort, sample_id)
  WHERE c.feature = 'hsa-miR-21-5p'
  GROUP BY s.cancer_type
  ORDER BY mean_rpm DESC;

-- QC status by cohort (latest run)
SELECT cohort, status, count(*) AS samples
  FROM ${database}.sample_qc
  WHERE run_id = (SELECT max_by(run_id, ended_at) FROM ${database}.job_runs WHERE job = 'qc')
  GROUP BY cohort, status
  ORDER BY cohort, status;

-- miR-21-5p log2 CPM (TMM) by cancer type, synthetic cohort
SELECT s.cancer_type, count(*) AS samples, round(avg(e.value), 2) AS mean_log2_cpm
  FROM ${database}.mirna_expression e
  JOIN ${database}.samples s USING (cohort, sample_id)
  WHERE e.cohort = 'synthetic' AND e.feature = 'hsa-miR-21-5p'
  GROUP BY s.cancer_type
  ORDER BY mean_log2_cpm DESC;

-- Top miRs, pancreatic vs healthy (limma moderated t, synthetic cohort)
SELECT feature, round(log2fc, 2) AS log2fc, round(statistic, 2) AS t, pvalue, padj, round(b, 2) AS b
  FROM ${database}.de_results
  WHERE modality = 'mirna' AND contrast = 'pancreatic_vs_healthy' AND method = 'moderated_t'
    AND run_id = (SELECT max_by(run_id, ended_at) FROM ${database}.de_runs)
  ORDER BY pvalue LIMIT 10;

-- Top proteins, pancreatic vs healthy (Wilcoxon with AUC)
SELECT feature, round(auc, 3) AS auc, pvalue, padj
  FROM ${database}.de_results
  WHERE modality = 'protein' AND contrast = 'pancreatic_vs_healthy' AND method = 'wilcoxon'
    AND run_id = (SELECT max_by(run_id, ended_at) FROM ${database}.de_runs)
  ORDER BY pvalue LIMIT 10;

-- Known literature markers among the significant miRs (view de_significant)
SELECT contrast, feature, round(log2fc, 2) AS log2fc, padj, marker_source
  FROM ${database}.de_significant
  WHERE method = 'moderated_t' AND known_marker
  ORDER BY contrast, padj LIMIT 10;

-- Ingest runs
SELECT run_id, cohort, status,
    transform(files, f -> concat(f.kind, ':', f.rows_accepted, '/', f.rows_read)) AS accepted_of_read
  FROM ${database}.ingest_runs
  ORDER BY started_at;
