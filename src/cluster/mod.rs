//! Running past one machine: a sweep's shards from a scheduler's environment and its SLURM
//! job-array scripts; a race's batches ([`batch`]) and the scheduler that runs them ([`scheduler`]).

pub mod batch;
pub mod scheduler;
pub mod slurm;

/// The shard (1-based `I`, count `N`) named by the scheduler's environment, for `--shard auto`:
/// - SLURM job arrays: `SLURM_ARRAY_TASK_ID` (0-based) plus `HARNESS_SHARD_OFFSET` (set by the
///   scripts of `harness slurm` when an array is split to respect `MaxArraySize`; default 0), of
///   `HARNESS_SHARDS` (default `SLURM_ARRAY_TASK_COUNT`);
/// - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX` (0-based) of `HARNESS_SHARDS` (required: the
///   job's `completions`).
pub fn shard_from_env(get: impl Fn(&str) -> Option<String>) -> Result<(usize, usize), String> {
    let num = |name: &str| -> Result<Option<usize>, String> {
        get(name)
            .map(|v| v.trim().parse::<usize>().map_err(|_| format!("{name}={v:?} is not a whole number")))
            .transpose()
    };
    let offset = num("HARNESS_SHARD_OFFSET")?.unwrap_or(0);
    let (index, count) = if let Some(task) = num("SLURM_ARRAY_TASK_ID")? {
        let count = num("HARNESS_SHARDS")?
            .or(num("SLURM_ARRAY_TASK_COUNT")?)
            .ok_or("SLURM_ARRAY_TASK_ID is set but neither HARNESS_SHARDS nor SLURM_ARRAY_TASK_COUNT is".to_string())?;
        (with_offset(task, offset)?, count)
    } else if let Some(index) = num("JOB_COMPLETION_INDEX")? {
        let count = num("HARNESS_SHARDS")?
            .ok_or("JOB_COMPLETION_INDEX is set: give the number of shards in HARNESS_SHARDS".to_string())?;
        (with_offset(index, offset)?, count)
    } else {
        return Err("--shard auto: no scheduler environment (SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX) \
                    is set; run it as an array task, or give --shard I/N"
            .into());
    };
    if count == 0 || index >= count {
        return Err(format!("--shard auto: task {index} (0-based) is not below the shard count {count}"));
    }
    Ok((index + 1, count))
}

/// A task's index plus the array's offset, refused when the sum does not fit (never wrapped
/// around into another shard's index).
fn with_offset(task: usize, offset: usize) -> Result<usize, String> {
    task.checked_add(offset)
        .ok_or_else(|| format!("--shard auto: task {task} + HARNESS_SHARD_OFFSET {offset} does not fit a shard index"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn slurm_array_tasks_become_one_based_shards() {
        assert_eq!(shard_from_env(env(&[("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "4")])), Ok((1, 4)));
        assert_eq!(shard_from_env(env(&[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "4")])), Ok((4, 4)));
    }

    #[test]
    fn split_arrays_add_their_offset_and_use_the_total() {
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_COUNT", "498"),
            ("HARNESS_SHARD_OFFSET", "2002"),
            ("HARNESS_SHARDS", "2500"),
        ]);
        assert_eq!(shard_from_env(e), Ok((2008, 2500)));
        let max = usize::MAX.to_string();
        let pairs = [("SLURM_ARRAY_TASK_ID", "1"), ("HARNESS_SHARD_OFFSET", max.as_str()), ("HARNESS_SHARDS", "4")];
        let wrap = env(&pairs);
        assert!(shard_from_env(wrap).unwrap_err().contains("does not fit"), "task 1 + (2^64 - 1) is not shard 1");
    }

    #[test]
    fn kubernetes_indexed_jobs_need_the_count() {
        assert_eq!(shard_from_env(env(&[("JOB_COMPLETION_INDEX", "2"), ("HARNESS_SHARDS", "3")])), Ok((3, 3)));
        assert!(shard_from_env(env(&[("JOB_COMPLETION_INDEX", "2")])).unwrap_err().contains("HARNESS_SHARDS"));
    }

    #[test]
    fn missing_or_inconsistent_environment_is_explained() {
        assert!(shard_from_env(env(&[])).unwrap_err().contains("no scheduler environment"));
        let e = env(&[("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "4")]);
        assert!(shard_from_env(e).unwrap_err().contains("not below"));
        let e = env(&[("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "4")]);
        assert!(shard_from_env(e).unwrap_err().contains("SLURM_ARRAY_TASK_ID=\"x\""));
    }
}
