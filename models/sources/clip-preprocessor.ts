// Hugging Face's preprocessor_config.json of a CLIP export → Vitrina's ImagePreprocessing, with
// CLIPImageProcessor's defaults for what the file leaves out.
import type { ImagePreprocessing } from '../image/preprocess.ts';
import type { ResampleFilter } from '../image/resample.ts';

export const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

type Size = number | { shortest_edge?: number; height?: number; width?: number };

export interface PreprocessorConfig {
  do_resize?: boolean;
  size?: Size;
  resample?: number;
  do_center_crop?: boolean;
  crop_size?: Size;
  do_rescale?: boolean;
  rescale_factor?: number;
  do_normalize?: boolean;
  image_mean?: number[];
  image_std?: number[];
}

/** PIL's resampling filter numbers as Hugging Face stores them. */
function filterOf(resample: number | undefined): ResampleFilter {
  if (resample === undefined || resample === 3) return 'bicubic';
  if (resample === 2) return 'bilinear';
  throw new Error(`preprocessor_config.json: resample ${resample} is not supported (2 bilinear, 3 bicubic)`);
}

function triple(values: number[] | undefined, fallback: [number, number, number], what: string): [number, number, number] {
  if (values === undefined) return fallback;
  if (values.length !== 3) throw new Error(`preprocessor_config.json: ${what} needs 3 values`);
  return [values[0]!, values[1]!, values[2]!];
}

export function clipPreprocessing(config: PreprocessorConfig): ImagePreprocessing {
  const size: Size = config.size ?? { shortest_edge: 224 };
  let resize: ImagePreprocessing['resize'] = null;
  if (config.do_resize !== false) {
    if (typeof size === 'number') resize = { shortestEdge: size };
    else if (size.shortest_edge !== undefined) resize = { shortestEdge: size.shortest_edge };
    else if (size.height !== undefined && size.width !== undefined) resize = { width: size.width, height: size.height };
    else throw new Error('preprocessor_config.json: size needs shortest_edge or height and width');
  }
  let centerCrop: ImagePreprocessing['centerCrop'] = null;
  if (config.do_center_crop !== false) {
    const crop: Size = config.crop_size ?? 224;
    if (typeof crop === 'number') centerCrop = { width: crop, height: crop };
    else if (crop.height !== undefined && crop.width !== undefined) centerCrop = { width: crop.width, height: crop.height };
    else throw new Error('preprocessor_config.json: crop_size needs height and width');
  }
  const normalize = config.do_normalize !== false;
  return {
    resize,
    resample: filterOf(config.resample),
    centerCrop,
    rescale: config.do_rescale === false ? 1 : (config.rescale_factor ?? 1 / 255),
    mean: normalize ? triple(config.image_mean, CLIP_MEAN, 'image_mean') : [0, 0, 0],
    std: normalize ? triple(config.image_std, CLIP_STD, 'image_std') : [1, 1, 1],
  };
}
