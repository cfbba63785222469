/* Exact path-dependent TreeSHAP from precomputed leaf tables (see treeshap.py for the math).
 *
 * Per row and tree: evaluate every split once (LightGBM's decision rules), then per leaf build
 * the pattern of path features the row follows and add that pattern's row of the leaf's table.
 * Built by `cc -O2 -shared` on first use and cached by the hash of this source.
 */
#include <math.h>
#include <stdint.h>

#define ZERO_THRESHOLD 1e-35

static int goes_left(double x, int32_t kind, int8_t default_left, int8_t missing, double threshold,
                     const int32_t *cats, int32_t ncats) {
    if (kind == 1) { /* categorical: NaN and negative codes go right */
        if (isnan(x) || x < 0) return 0;
        int32_t code = (int32_t)x;
        for (int32_t c = 0; c < ncats; c++)
            if (cats[c] == code) return 1;
        return 0;
    }
    if (missing == 2) { /* NaN */
        if (isnan(x)) return default_left;
        return x <= threshold;
    }
    if (isnan(x)) x = 0.0;
    if (missing == 1 && fabs(x) <= ZERO_THRESHOLD) return default_left; /* Zero */
    return x <= threshold;
}

void puhui_treeshap(
    const double *matrix, int64_t rows, int32_t width, double *out,
    int32_t trees, const int32_t *tree_splits, const int32_t *tree_leaves,
    const int32_t *split_feature, const int32_t *split_kind, const int8_t *split_default_left,
    const int8_t *split_missing, const double *split_threshold, const int32_t *split_cat_start,
    const int32_t *split_cat_count, const int32_t *cats,
    const int32_t *leaf_feat_start, const int32_t *leaf_feat_count, const int64_t *leaf_table,
    const int32_t *feat_index, const uint64_t *feat_mask, const uint64_t *feat_want,
    const double *tables) {
    /* A tree has at most 64 splits: its decisions for one row fit in one word, and whether the
     * row follows all of a path feature's splits is one mask test. */
    for (int64_t r = 0; r < rows; r++) {
        const double *x = matrix + r * width;
        double *o = out + r * width;
        for (int32_t t = 0; t < trees; t++) {
            int32_t s0 = tree_splits[t], s1 = tree_splits[t + 1];
            uint64_t bits = 0;
            for (int32_t s = s0; s < s1; s++)
                bits |= (uint64_t)goes_left(x[split_feature[s]], split_kind[s],
                                            split_default_left[s], split_missing[s],
                                            split_threshold[s], cats + split_cat_start[s],
                                            split_cat_count[s]) << (s - s0);
            for (int32_t l = tree_leaves[t]; l < tree_leaves[t + 1]; l++) {
                int32_t f0 = leaf_feat_start[l], d = leaf_feat_count[l];
                int64_t pattern = 0;
                for (int32_t k = 0; k < d; k++)
                    pattern |= (int64_t)(((bits ^ feat_want[f0 + k]) & feat_mask[f0 + k]) == 0) << k;
                const double *row = tables + leaf_table[l] + pattern * d;
                for (int32_t k = 0; k < d; k++) o[feat_index[f0 + k]] += row[k];
            }
        }
    }
}
