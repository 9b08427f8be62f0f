-- What the server's Python actually sees: interpreter, numpy, onnxruntime, engine modules.
CREATE OR REPLACE FUNCTION modeling.engine_info()
RETURNS jsonb
LANGUAGE plpython3u
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
import json
from hrdpg_pl.info import engine_info
return json.dumps(engine_info())
$$;
COMMENT ON FUNCTION modeling.engine_info() IS
    'Versions of Python, numpy, onnxruntime and the hrdpg_pl modules inside the server.';
REVOKE ALL ON FUNCTION modeling.engine_info() FROM PUBLIC;
