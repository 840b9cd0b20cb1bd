/*
 * A liveness session from C: reads raw NV12 frames (as `ffmpeg -pix_fmt nv12 -f rawvideo`
 * writes them) from a file, pushes them to a session, prints every event and the outcome,
 * and writes the upload package after a pass.
 *
 *   session FRAMES.nv12 WIDTH HEIGHT FPS [silent|ACTIONS] [PACKAGE_DIR]
 *
 * Build (see README "From C"):
 *   cc examples/c/session.c -Icrates/liveface-ffi/include -Ltarget/release -lliveface_ffi -o session
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liveface.h"

static int fail(const char *what, LfStatus st, const char *msg) {
    fprintf(stderr, "%s failed (status %d): %s\n", what, (int)st, msg);
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s FRAMES.nv12 WIDTH HEIGHT FPS [silent|ACTIONS] [PACKAGE_DIR]\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    uint32_t width = (uint32_t)atoi(argv[2]), height = (uint32_t)atoi(argv[3]);
    double fps = atof(argv[4]);
    const char *mode = argc > 5 ? argv[5] : "silent";
    const char *package_dir = argc > 6 ? argv[6] : NULL;
    if (width == 0 || height == 0 || fps <= 0) {
        fprintf(stderr, "bad size or frame rate\n");
        return 2;
    }
    if (lf_abi_version() != LF_ABI_VERSION) {
        fprintf(stderr, "library ABI %u, header ABI %u\n", lf_abi_version(), (unsigned)LF_ABI_VERSION);
        return 2;
    }
    printf("liveface %s (ABI %u)\n", lf_version(), lf_abi_version());

    LfEngine *engine = NULL;
    LfStatus st = lf_engine_new(NULL, &engine);
    if (st != LF_STATUS_OK) return fail("lf_engine_new", st, lf_last_error());

    LfSessionOptions opts = lf_session_options_default();
    if (strcmp(mode, "silent") == 0) {
        opts.mode = LF_MODE_SILENT;
    } else {
        opts.mode = LF_MODE_ACTION;
        opts.actions = mode;
    }
    opts.keep_package = package_dir != NULL;
    LfSession *session = NULL;
    st = lf_session_new(engine, &opts, &session);
    if (st != LF_STATUS_OK) {
        int rc = fail("lf_session_new", st, lf_last_error());
        lf_engine_free(engine);
        return rc;
    }

    size_t frame_bytes = (size_t)width * height * 3 / 2;
    uint8_t *buf = malloc(frame_bytes);
    FILE *f = fopen(path, "rb");
    if (!buf || !f) {
        fprintf(stderr, "cannot open %s\n", path);
        free(buf);
        if (f) fclose(f);
        lf_session_free(session);
        lf_engine_free(engine);
        return 2;
    }
    int rc = 0;
    uint64_t n = 0;
    uint8_t finished = 0;
    while (!finished && fread(buf, 1, frame_bytes, f) == frame_bytes) {
        LfFrame frame = {
            .data = buf,
            .len = frame_bytes,
            .width = width,
            .height = height,
            .format = LF_PIXEL_FORMAT_NV12,
            .stride = width,
            .rotation_degrees = 0,
            .mirror = 0,
            .yuv_limited_range = 1, /* ffmpeg's NV12 is limited range */
            .timestamp_us = (int64_t)(n * 1e6 / fps),
        };
        st = lf_session_push_frame(session, &frame, &finished);
        if (st != LF_STATUS_OK) {
            rc = fail("lf_session_push_frame", st, lf_session_last_error(session));
            break;
        }
        n++;
        LfEvent ev;
        uint8_t has = 0;
        while (lf_session_next_event(session, &ev, &has) == LF_STATUS_OK && has) {
            printf("[%6.2fs] %s / %s\n", ev.t_us / 1e6, ev.en, ev.zh);
        }
    }
    fclose(f);
    free(buf);

    if (rc == 0) {
        LfOutcome out;
        st = lf_session_finish(session, &out);
        if (st != LF_STATUS_OK) {
            rc = fail("lf_session_finish", st, lf_session_last_error(session));
        } else {
            printf("frames %llu, passed %u, reason %d (%s), %s\n", (unsigned long long)out.frames, out.passed,
                   out.reason, out.api_code ? out.api_code : "-", out.en);
            LfBuffer json;
            if (lf_session_outcome_json(session, &json) == LF_STATUS_OK) {
                printf("outcome JSON: %zu bytes\n", json.len);
                lf_buffer_free(&json);
            }
            if (package_dir && out.passed) {
                LfPackage pkg;
                st = lf_session_package(session, NULL, &pkg);
                if (st == LF_STATUS_OK) {
                    printf("package: best.jpg %zu B, video.mp4 %zu B, request.json %zu B\n", pkg.best_jpeg.len,
                           pkg.video_mp4.len, pkg.request_json.len);
                    lf_package_free(&pkg);
                } else {
                    /* A refused package (e.g. a face under 100 px) is not a program error. */
                    printf("no package (status %d): %s\n", (int)st, lf_session_last_error(session));
                }
            }
        }
    }
    lf_session_free(session);
    lf_engine_free(engine);
    return rc;
}
