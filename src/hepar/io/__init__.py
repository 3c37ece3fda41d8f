"""File formats: the only code in hepar that knows DICOM tags and NIfTI headers (DESIGN.md).

Readers turn files into the typed records of the science layers (:class:`~hepar.imaging.Volume`,
:class:`~hepar.imaging.Mask`, :class:`~hepar.spect.Projections`) and are lenient: what they can
handle they note as a :class:`~hepar.errors.HeparWarning` and record in ``metadata["warnings"]``.
Writers are strict: a value the format cannot hold raises before anything is written, and files
appear whole or not at all. Writers are also reproducible: given a ``series_instance_uid`` and a
``creation_datetime``, they derive every other UID from the series UID (SOP Instance UIDs,
Dimension Organization UID) and write no clock time, so the same inputs give byte-identical
files; without them, each write gets fresh UIDs and the time of writing.

=============================  ===============================================================
CT series (folder)             :func:`read_ct_series`, :func:`write_ct_series` (HU)
NM TOMO projections            :func:`read_nm_projections`, :func:`write_nm_projections`
NM RECON TOMO (SPECT volume)   :func:`read_nm_reconstruction`, :func:`write_nm_reconstruction`
NM STATIC (planar image)       :func:`read_nm_static`, :func:`write_nm_static`
NM TOMO or STATIC              :func:`read_nm_acquisition`
multi-bed SPECT                :func:`read_nm_projection_beds`, :func:`stitch_beds`,
                               :func:`crop_to_field_of_view`
RT Dose                        :func:`read_rtdose`, :func:`write_rtdose` (Gy)
RT Structure Set               :func:`read_rtstruct`, :func:`write_rtstruct`
DICOM Segmentation             :func:`read_seg`, :func:`write_seg`
NIfTI-1                        :func:`read_nifti`, :func:`write_nifti`
camera calibration (JSON)      :func:`read_camera_file`, :func:`write_camera_file`
any of these                   :func:`describe_path` (what ``hepar info`` prints)
study protocol (YAML)          :func:`load_protocol`, :func:`protocol_names`
questionnaire scales (YAML)    :func:`load_questionnaire`
output folders                 :func:`check_output_folder`, :func:`atomic_output_folder`,
                               :func:`keep_previous_until_done`, :func:`check_output_file`
clinical records (JSON)        :func:`read_record`, :func:`read_records`, :func:`read_json`
=============================  ===============================================================
"""

from ._atomic_output import (
    atomic_output_folder,
    check_output_file,
    check_output_folder,
    keep_previous_until_done,
    remove_on_failure,
)
from ._camera_file import read_camera_file, write_camera_file, write_json_atomically
from ._definitions import (
    load_ginet21,
    load_protocol,
    load_questionnaire,
    load_study_questionnaires,
    protocol_names,
)
from ._describe import FileDescription, FileKind, describe_path
from ._dicom_ct import read_ct_series, write_ct_series
from ._dicom_nm_recon import read_nm_reconstruction, write_nm_reconstruction
from ._dicom_write import StudyInfo
from ._json_records import read_json, read_record, read_records
from ._nifti import read_nifti, write_nifti
from ._nm_beds import crop_to_field_of_view, read_nm_projection_beds, stitch_beds
from ._nm_projections_read import read_nm_projections
from ._nm_projections_write import write_nm_projections
from ._nm_static import read_nm_acquisition, read_nm_static, write_nm_static
from ._rtdose import read_rtdose, write_rtdose
from ._rtstruct import read_rtstruct, study_of, write_rtstruct
from ._seg import read_seg, write_seg

__all__ = [
    "FileDescription",
    "FileKind",
    "StudyInfo",
    "atomic_output_folder",
    "check_output_file",
    "check_output_folder",
    "crop_to_field_of_view",
    "describe_path",
    "keep_previous_until_done",
    "load_ginet21",
    "load_protocol",
    "load_questionnaire",
    "load_study_questionnaires",
    "protocol_names",
    "read_camera_file",
    "read_ct_series",
    "read_json",
    "read_nifti",
    "read_nm_acquisition",
    "read_nm_projection_beds",
    "read_nm_projections",
    "read_nm_reconstruction",
    "read_nm_static",
    "read_record",
    "read_records",
    "read_rtdose",
    "read_rtstruct",
    "read_seg",
    "remove_on_failure",
    "stitch_beds",
    "study_of",
    "write_camera_file",
    "write_ct_series",
    "write_json_atomically",
    "write_nifti",
    "write_nm_projections",
    "write_nm_reconstruction",
    "write_nm_static",
    "write_rtdose",
    "write_rtstruct",
    "write_seg",
]
