// What both engines' clients give back.

/** A profile type the engine has data for. */
export interface ProfileTypeInfo {
  /** name:sample_type:sample_unit:period_type:period_unit (Parca: ":delta" for delta types). */
  id: string;
  name: string;
  sampleType: string;
  sampleUnit: string;
  periodType: string;
  periodUnit: string;
  delta?: boolean;
}

export interface MergedProfile {
  /** The pprof profile as the engine sent it: gzip'd (Parca) or plain protobuf (Pyroscope). */
  pprof: Buffer;
  /** The API that produced it, e.g. "querier.v1.QuerierService/SelectMergeStacktraces". */
  api: string;
}
